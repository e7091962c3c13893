"""Languages: the locales CPS speaks, which one a request or a person gets, the
gettext catalogues (cps/locale, compiled in memory on first use), error messages
in them, and the language a post is written in. docs/languages.md."""
