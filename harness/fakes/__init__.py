"""Small servers on 127.0.0.1 that speak the wire formats of providers that cannot be
reached from here (Twilio's Messages API, LibreTranslate)."""
