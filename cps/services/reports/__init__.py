"""Reports: a space's and an organization's analytics, and exports of a space."""
