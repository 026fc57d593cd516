"""Address -> point: the US Census Geocoder, with the ZIP code centroid as fallback.

* ``locate``: the rules below (``locate_address``, ``locate_addresses``; ``Location``, ``Quality``);
* ``census``: the Census Geocoder client for one address (errors, cache, HTTP, its JSON answer);
* ``batch``: the Census batch endpoint for many addresses (its CSV file and answer).

Import from the module that owns a name (``from districts.geocoding.locate import locate_address``).

The sign-up flow calls ``locate_address`` from a Celery task:

* a street address is sent to the Census Geocoder (``locations/address``); a match
  gives quality ``"street"``;
* with no street, or when Census finds no match, the ZIP code centroid is used:
  quality ``"zip"``, or ``"ambiguous"`` when the ZIP overlaps several congressional
  districts (its centre then says little about the district);
* an unknown ZIP, or a ZIP that lies in another state than the one given, gives
  quality ``"none"`` and no point. (A ZIP/state mismatch means one of the two is
  wrong, and the centroid of a ZIP in another state would put the person in that
  state's districts, so it is not used.)

``GeocoderUnavailable`` (network error, timeout, HTTP 5xx/408/429, unparseable answer)
reaches the caller so the task can retry later. Without a street nothing goes over the
network, so ``locate_address(street="", ...)`` is safe inside a web request.

Census answers (matches and "no match") are cached for 30 days under an HMAC-SHA256
of the normalised address and the benchmark: no address text in cache keys.
Failures are never cached. Log lines carry outcomes only, never addresses.

Endpoints (https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html)::

    GET  {CENSUS_GEOCODER_URL}/locations/address?street=&city=&state=&zip=&benchmark=&format=json
    POST {CENSUS_GEOCODER_URL}/locations/addressbatch   (multipart: benchmark, addressFile)
"""
