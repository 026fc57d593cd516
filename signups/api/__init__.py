"""The sign-up JSON API, by audience: ``intake`` (public, anonymous ``POST``) and ``organizer``
(token-authenticated reads). ``api_urls`` serves both at ``/api/v1/signups/`` through
``berniecrat.api.by_method``."""
