import pytest


@pytest.fixture
def enabled_plugins():
    return ["supervision", "audit"]
