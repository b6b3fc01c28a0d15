"""The ``rpa`` command: the composition root, above the console, the scheduler, the bots and the kit.

``wiring`` is the one place that loads settings, opens the database and builds the bot registry;
each other module is one command group. The kit never imports this package.
"""
