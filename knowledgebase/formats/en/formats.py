"""Date formats of the admin (FORMAT_MODULE_PATH): times to the second with their time
zone, so that three saves in one minute read apart and no one misreads the zone. Readers'
pages give every date its own format and are not changed by this."""

DATETIME_FORMAT = "j M Y, H:i:s T"
