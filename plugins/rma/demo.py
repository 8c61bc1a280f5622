"""Demo data: a few returns in different states."""


def load(ctx):
    pass
