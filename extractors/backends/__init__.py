"""The extraction backends: one per kind of file, each turning its bytes into a `Layout`.

`base.py` is the protocol, `registry.py` the one table saying which backend reads which
intake type. This package imports nothing itself, so a process that needs one backend (the
PDF reader's sandbox child) does not load the others.
"""
