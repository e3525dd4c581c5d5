"""Basic auth as MLflow's own, except that a removed account is refused with 401 at once.

MLflow caches a verified password per worker process for auth_cache_ttl_seconds and drops the
entry only in the worker that served the deletion. The other workers would let the removed
member through authentication and then answer 404 "User not found" until the entry expires.
One indexed lookup of the user per request closes that window; the password hash check the
cache saves (~0.4 s of CPU) stays cached.
"""

from flask import g
from mlflow.server import auth
from werkzeug.datastructures import Authorization


def authenticate_lab_member():
    """The authorization_function of the lab's basic_auth.ini."""
    result = auth.authenticate_request_basic_auth()
    if isinstance(result, Authorization) and not _account_exists(result.username):
        return auth.make_basic_auth_response()
    return result


def _account_exists(username):
    # MLflow asks for the request's authorization several times while serving it: look once.
    if g.get("mlflow_lab_account") != username:
        if not auth.store.has_user(username):
            return False
        g.mlflow_lab_account = username
    return True
