"""Load benchmark of the assistant (`make bench-load`): simulated shoppers over Rasa's REST
channel, open load at fixed offered rates and saturation, against Shopdesk on one and two
Rasa instances and a bare `rasa init` bot measured in the same run. See docs/performance.md.
"""
