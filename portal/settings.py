"""Settings for 惠企政策通, all driven by the environment (see .env.example).

With no environment at all a fresh checkout runs on SQLite, with Celery tasks executed
in-process and emails printed to the console. Production (docker-compose.yml) sets
DATABASE_URL, REDIS_URL, EMAIL_URL, DJANGO_SECRET_KEY and DJANGO_DEBUG=0.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a real secret when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "simple_history",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    "policies",
    "enterprises",
    "hotline",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.api_errors.ApiErrorMiddleware",  # every /api/v1 error in the contract's JSON shape
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.security.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.security.StaffSessionMiddleware",
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a locked-out login into its page
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.display",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "admin:login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console by default so a newcomer sees the messages; EMAIL_URL=smtp://host:port in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="惠企政策通 <noreply@localhost>")

# Celery: Redis when REDIS_URL is set, otherwise every task runs in-process (embedded default).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    "unacked_restore_throttle": 1,
    "unacked_restore_interval": 5,
}
CELERY_TASK_TIME_LIMIT = 240
CELERY_TASK_SOFT_TIME_LIMIT = 200
# Celery closes Django's database connection after every task unless told otherwise; reusing
# it for 200 tasks spares PostgreSQL a new backend (a fork and a cold cache) per reminder batch.
CELERY_DB_REUSE_MAX = 200
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Deadline reminders (enterprises/reminders/tasks.py): a round every 30 minutes in office hours, so a
    # newly confirmed subscriber gets a due notice the same day; a sweeper for notices whose task
    # was lost or whose worker died; the retention purge of ended subscriptions at night.
    "reminders-round": {
        "task": "enterprises.tasks.run_reminder_round",
        "schedule": crontab(minute="*/30", hour="8-20"),
    },
    "reminders-sweep": {"task": "enterprises.tasks.sweep_reminder_notices", "schedule": 300.0},
    # At most one email per account and rule version (enterprises/accounts/services.py), in chunks
    # of accounts spread over the workers, with a progress row the admin shows
    # (enterprises/accounts/rule_news_runs.py).
    "accounts-rule-changes": {
        "task": "enterprises.tasks.start_rule_news",
        "schedule": crontab(minute=30, hour=7),
    },
    # The impact preview's check of stored profiles against the contract (policies/receipt_checks.py).
    "policies-check-receipts": {"task": "policies.check_receipts", "schedule": 600.0},
    "reminders-purge": {
        "task": "enterprises.tasks.purge_ended_subscriptions",
        "schedule": crontab(minute=15, hour=3),
    },
}

# Plausibility checks of the self-check's answers (enterprises/selfcheck/plausibility.py). Each
# one only warns next to the field; the enterprise may confirm the figure and go on. Thresholds with a
# legal source quote it; the others are the operator's checks for typing mistakes (元 typed into
# a 万元 field), not policy standards, and may be tuned here.
# Hotline search scope (hotline/search/scope.py says what each threshold decides; bench/search_scope.py
# measures them): the share of a question's word weight the plan must know, the share a measure
# must contain to answer, the weights of chatter and verbs the plan does not know, the fuzzy floor.
SEARCH_SCOPE = {
    "MIN_QUERY_COVERAGE": env.float("SEARCH_MIN_QUERY_COVERAGE", default=0.6),
    "MIN_MEASURE_COVERAGE": env.float("SEARCH_MIN_MEASURE_COVERAGE", default=0.3),
    "CHATTER_WEIGHT": env.float("SEARCH_CHATTER_WEIGHT", default=0.2),
    "VERB_WEIGHT": env.float("SEARCH_VERB_WEIGHT", default=0.5),
    "FUZZY_MIN_SCORE": env.float("SEARCH_FUZZY_MIN_SCORE", default=0.25),
}

SELFCHECK_PLAUSIBILITY = {
    # 财政部 税务总局《关于统一增值税小规模纳税人标准的通知》(财税〔2018〕33号)第一条:
    # 小规模纳税人标准为年应征增值税销售额500万元及以下。
    "small_scale_ceiling_wan": 500,
    "small_scale_source": "财税〔2018〕33号:小规模纳税人标准为年应征增值税销售额500万元及以下",
    # 科技部 财政部 国家税务总局《科技型中小企业评价办法》(国科发政〔2017〕115号)第六条:
    # 职工总数不超过500人。
    "tech_sme_max_employees": 500,
    "tech_sme_source": "国科发政〔2017〕115号《科技型中小企业评价办法》第六条:职工总数不超过500人",
    # Operator's check: more than this many 万元 of assets (or revenue) per person employed is
    # far beyond any industry's average and usually means 元 were typed into a 万元 field.
    "max_wan_per_employee": 20000,
}

# Deadline reminders (enterprises/reminders/planning.py). Each is read through reminder_setting("X"),
# declared here once with its default.
# Notice ids per send task, and how long a worker holds a claimed notice.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=50)
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=120)
# A PENDING notice queued longer ago than this is taken for lost and queued again by the sweeper.
REMINDER_REQUEUE_AFTER_SECONDS = env.int("REMINDER_REQUEUE_AFTER_SECONDS", default=900)
# A mail server that is down or answers 4xx is retried until the notice's deadline, with this
# backoff (doubling from BASE, at most MAX: below the broker's 300 s visibility timeout, so a
# waiting retry is not redelivered as if its worker had died). Any other error (a 5xx answer, a
# bug) ends a notice as FAILED after MAX_ATTEMPTS attempts.
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=30)
REMINDER_RETRY_MAX_SECONDS = env.int("REMINDER_RETRY_MAX_SECONDS", default=240)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_SMTP_TIMEOUT = env.int("REMINDER_SMTP_TIMEOUT", default=30)
# Domain of reminder Message-IDs (default: SITE_URL's host).
REMINDER_MESSAGE_ID_DOMAIN = env.str("REMINDER_MESSAGE_ID_DOMAIN", default="")
# Double opt-in: link lifetime, minimum gap between two confirmation emails, daily cap per address.
REMINDER_CONFIRM_MAX_AGE_DAYS = env.int("REMINDER_CONFIRM_MAX_AGE_DAYS", default=7)
REMINDER_CONFIRM_RESEND_MINUTES = env.int("REMINDER_CONFIRM_RESEND_MINUTES", default=10)
REMINDER_CONFIRMATIONS_PER_ADDRESS_PER_DAY = env.int("REMINDER_CONFIRMATIONS_PER_ADDRESS_PER_DAY", default=5)
REMINDER_UNSUBSCRIBE_MAX_AGE_DAYS = env.int("REMINDER_UNSUBSCRIBE_MAX_AGE_DAYS", default=400)
# Contact data is kept this long after a subscription ends (proof of consent and withdrawal).
REMINDER_RETENTION_DAYS = env.int("REMINDER_RETENTION_DAYS", default=180)

# Cache: rate-limit counters. A Redis database of its own (CACHE_URL, or REDIS_URL's server with
# database 1), never the Celery broker's database; per-process memory without Redis.
CACHE_URL = env.str("CACHE_URL", default="")
if not CACHE_URL and REDIS_URL:
    CACHE_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path="/1"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "portal",
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Security (portal/security.py, audit/). Content Security Policy: everything is served from this
# site (static/vendor), no inline scripts or styles. Bootstrap's and Swagger UI's CSS draw icons
# from data: URIs, hence data: for images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# CSRF: every HTML form posts with Django's token (tests/test_security.py checks the templates
# and lists the csrf_exempt views). django-ninja exempts its views from the middleware and checks
# CSRF only for cookie-based auth (SessionAuth, APIKeyCookie); the v1 API has no auth and grants
# nothing a cookie could carry, so it stays token-less. Adding session auth to an endpoint brings
# ninja's CSRF check back automatically.

# Login lockout (django-axes) for every login page: the backend sees each authenticate() call.
# Locked per username and address together, so a colleague's typos do not lock a whole office
# behind one NAT address and nobody can lock an account out from elsewhere; the login rate limit
# below bounds how many usernames one address can try.
AUTHENTICATION_BACKENDS = [
    "portal.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.security.lockout_response"
AXES_COOLOFF_MESSAGE = "登录失败次数过多,账户已暂时锁定,请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多,账户已锁定,请联系管理员解锁。"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail already
AXES_VERBOSE = False
AXES_HTTP_RESPONSE_CODE = 429  # django-axes' default, stated so the lockout page uses the same

# Staff (officials, administrators, hotline agents) are signed out after 30 idle minutes;
# enterprise accounts keep Django's two-week session.
STAFF_SESSION_IDLE_SECONDS = 1800
STAFF_SESSION_GROUPS = ["热线坐席"]

# Client address: REMOTE_ADDR, or, when the connection comes from one of TRUSTED_PROXIES
# (addresses or CIDR networks; compose: the Caddy container's fixed address) and PROXY_COUNT > 0,
# the X-Forwarded-For hop that proxy added. Anyone else's X-Forwarded-For is ignored.
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
# Parsed here so a typo stops the start-up instead of failing every request.
TRUSTED_PROXIES = [
    str(ipaddress.ip_network(entry, strict=False)) for entry in env.list("DJANGO_TRUSTED_PROXIES", default=[])
]

# Rate limits per client address: (method, path prefix, requests per minute); the first match
# counts. 429 with a Chinese message (JSON under API_PATH_PREFIX, a page elsewhere).
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
# Result PDFs (enterprises/selfcheck/pdf.py): downloads per client address and minute, and how many
# WeasyPrint renders may run at once across all web workers (keep it below their number).
PDF_RATE_PER_MINUTE = env.int("PDF_RATE_PER_MINUTE", default=10)
PDF_RENDER_SLOTS = env.int("PDF_RENDER_SLOTS", default=1)
API_PATH_PREFIX = "/api/"
RATE_LIMITS = [
    ("POST", "/api/v1/eligibility", 60),
    ("GET", "/api/v1/search", 120),
    ("POST", "/api/v1/subscriptions", 10),
    ("GET", "/search/", 120),
    ("GET", "/industries/", 240),  # the industry picker asks once per pause in typing
    ("POST", "/reminders/subscribe/", 10),
    ("POST", "/accounts/register/", 10),
    ("POST", "/accounts/password/reset/", 5),
    ("POST", "/admin/login/", 20),
    ("POST", "/hotline/login/", 20),
    ("POST", "/accounts/login/", 20),
]

# Audit trail (audit/): hotline look-ups recorded by audit.middleware.AuditMiddleware, kept
# AUDIT_RETENTION_DAYS (never fewer than 180: 等保 2.0 level 3 asks for six months).
AUDIT_RETENTION_DAYS = max(env.int("AUDIT_RETENTION_DAYS", default=365), 180)
AUDITED_VIEWS = {
    "hotline.views.console": {"action": "hotline_search", "params": ["q", "m"], "require_params": True},
    "hotline.views.card": {"action": "hotline_lookup", "params": ["q"]},
    "hotline.views.caller_check": {
        "action": "caller_check",
        "methods": ["POST"],
        "params": "*",  # every question the check asked (hotline.forms builds them from the questionnaire's)
    },
}
CELERY_BEAT_SCHEDULE["audit-prune"] = {
    "task": "audit.tasks.prune_audit",
    "schedule": crontab(minute=45, hour=3),
}
# Expired sessions still hold questionnaire answers; nothing else deletes them.
CELERY_BEAT_SCHEDULE["clear-sessions"] = {
    "task": "audit.tasks.clear_expired_sessions",
    "schedule": crontab(minute=15, hour=4),
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
# How long a process trusts its cached eligibility rules before re-checking the database
# (changes saved in the same process apply at once).
RULES_CACHE_CHECK_SECONDS = env.float("RULES_CACHE_CHECK_SECONDS", default=2.0)
# Four eyes on rule changes: the official who last changed a measure draft cannot publish it
# (policies/rulebuilder/review.py). On in docker-compose's production environment.
RULES_FOUR_EYES = env.bool("RULES_FOUR_EYES", default=False)
SIMPLE_HISTORY_REVERT_DISABLED = True  # revert goes through a draft (see policies/admin.py)
