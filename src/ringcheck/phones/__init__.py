"""Adapters for phone systems: each is a view of ``ringcheck.lookup`` and holds no rule.

- ``agi``: Asterisk AGI and FastAGI;
- ``callblocker``: the Raspberry Pi call blocker's online check (pamapa/callblocker);
- ``fritzbox``: the FRITZ!Box call monitor (``callmonitor``) and its call barring list
  over TR-064 (``fritzbarring``);
- ``carddav``: the block list as the vCards a router's address book holds (the CardDAV
  routes that serve them are ``ringcheck.web.routes.carddav``);
- ``remote``: asking a ringcheck server (its lookup, or privately by hash prefix);
- ``blocklists``: one block-list entry type and every file format it is written in.
"""
