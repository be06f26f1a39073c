FUNCTION-POOL ztandem_events.               "MESSAGE-ID ..
