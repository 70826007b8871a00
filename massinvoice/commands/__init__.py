"""The command line's commands, by what they work on; ``massinvoice.cli`` assembles them.

Each command parses its options, calls the library, prints: nothing else lives here.
"""
