"""Every core model, imported once by create_app so metadata and migrations see them all."""
from core.activity import ActivityEntry  # noqa: F401
from core.attachments import Attachment  # noqa: F401
from core.chatter import ChatterMessage  # noqa: F401
from core.dealers.models import Dealer, Region  # noqa: F401
from core.notifications import Notification  # noqa: F401
from core.saved_filters import SavedFilter  # noqa: F401
from core.products.models import Product, ProductCategory, ProductPart  # noqa: F401
from core.sequences import Sequence  # noqa: F401
from core.settings import SettingValue  # noqa: F401
from core.users.models import ApiToken, IdempotencyRecord, Permission, Role, ThrottleCounter, User  # noqa: F401
