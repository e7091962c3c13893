"""Officials: the people an organization's admins name to answer in its name.
An official of one city is a plain participant in another city's spaces."""
