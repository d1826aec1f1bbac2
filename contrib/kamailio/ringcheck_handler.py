"""Kamailio's app_python3 loads this file in the -A EMBED mode of ringcheck.cfg (see
README.md): it finds ringcheck and hands Kamailio ringcheck's handler
(ringcheck.phones.kamailio_verdict), which answers each call in the SIP worker.

Kamailio runs Debian's Python 3, not your virtual environment: RINGCHECK_SITE, in
Kamailio's environment, names the site-packages folders to add (separated by ":"):
  RINGCHECK_SITE="$(/opt/ringcheck/.venv/bin/ringcheck kamailio site)"
The environment must use the same Python version as Debian's python3 (3.11 on bookworm).
Kamailio's environment also gives ringcheck's settings (RINGCHECK_HOME, RINGCHECK_CONFIG,
...), read once when Kamailio starts, as `ringcheck serve` reads them.
"""

import os
import site
import sys

# ringcheck's folders (and what their .pth files add) go first, before Debian's
# dist-packages, whose older copies of the same packages would otherwise win
_debian = list(sys.path)
for folder in os.environ.get("RINGCHECK_SITE", "").split(os.pathsep):
    if folder:
        site.addsitedir(folder)
sys.path[:] = [p for p in sys.path if p not in _debian] + _debian

try:
    import KSR  # Kamailio's own module, inside Kamailio only

    from ringcheck.phones.kamailio_verdict import handler
except ImportError as exc:
    sys.stderr.write(
        f"ringcheck: Kamailio's Python {sys.version.split()[0]} can't import {exc.name}: "
        "set RINGCHECK_SITE to ringcheck's site-packages (see contrib/kamailio/README.md)\n"
    )
    raise


def mod_init():
    # the answers `ringcheck kamailio push` keeps for reported numbers (Kamailio's table)
    return handler(KSR.pv.sets, lambda number: KSR.htable.sht_get("answers", number))
