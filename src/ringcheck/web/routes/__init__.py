"""One router per area of the web face; ``ringcheck.web.app`` includes them all."""
