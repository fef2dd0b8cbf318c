"""g4f's debug switches, set at the top of many g4f programs."""

import g4f

g4f.debug.logging = True
g4f.debug.version_check = False


def main():
    return g4f.debug.logging, g4f.debug.version_check
