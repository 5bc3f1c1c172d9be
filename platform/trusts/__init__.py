"""Trust leads on the platform host: their accounts and invitations, which schools belong to
their trust in which months, and the dashboards, CSV and API of suppressed figures built
from the insights facts only (never from a school's schema)."""
