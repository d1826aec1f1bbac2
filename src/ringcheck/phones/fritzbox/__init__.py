"""The FRITZ!Box: its call monitor (``callmonitor``) and call barring list (``fritzbarring``).

Its call-log export is read by ``ringcheck.calllog.fritzbox`` with the other call logs.
"""
