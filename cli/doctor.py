"""mlflow-lab doctor: checks a researcher's MLflow environment, one line per check.

Run by `mlflow-lab doctor` after sourcing the env file in a subshell. Exits 0 only when every
check passes. Never prints a credential: only variable names, the tracking URI and paths.
"""
import configparser
import functools
import json
import os
import socket
import ssl
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode

# Fail fast instead of MLflow's 7 retries with backoff.
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "15"
DOCTOR_EXPERIMENT = "mlflow-lab-doctor"

results = []


def report(name, ok, message, fix=None):
    results.append(ok)
    line = ("ok    " if ok else "FAIL  ") + name + ": " + message
    if not ok and fix:
        line += " -- fix: " + fix
    print(line, flush=True)


def skip(name, why):
    print("skip  " + name + ": " + why, flush=True)


env = os.environ.get
uri = env("MLFLOW_TRACKING_URI", "")
parsed = urllib.parse.urlparse(uri)
ca_path = env("MLFLOW_TRACKING_SERVER_CERT_PATH")
direct = env("MLFLOW_S3_ENDPOINT_URL") is not None


CREDENTIAL_FILES = {"mlflow": os.path.expanduser("~/.mlflow/credentials"), "aws": os.path.expanduser("~/.aws/credentials")}


def file_credentials():
    """Username and password of ~/.mlflow/credentials, read as MLflow reads them (interpolated)."""
    config = configparser.ConfigParser()
    try:
        config.read(CREDENTIAL_FILES["mlflow"])
    except configparser.Error:
        return None, None
    section = config["mlflow"] if "mlflow" in config else {}
    return section.get("mlflow_tracking_username"), section.get("mlflow_tracking_password")


@functools.lru_cache(maxsize=None)
def tracking_credentials():
    """What MLflow would send: the environment's credentials, else the credentials file's.
    Read once: neither changes during a doctor run."""
    if env("MLFLOW_TRACKING_USERNAME"):
        return env("MLFLOW_TRACKING_USERNAME"), env("MLFLOW_TRACKING_PASSWORD"), "the environment"
    username, password = file_credentials()
    return username, password, CREDENTIAL_FILES["mlflow"]


def aws_profile_has_keys():
    profile = env("AWS_PROFILE")
    config = configparser.RawConfigParser()
    try:
        config.read(CREDENTIAL_FILES["aws"])
    except configparser.Error:
        return False
    return bool(profile) and config.has_option(profile, "aws_access_key_id") and config.has_option(profile, "aws_secret_access_key")


def check_credential_files():
    """Batch jobs read credentials from the home (install_credentials.sh): private, or not at all."""
    present = [path for path in CREDENTIAL_FILES.values() if os.path.exists(path)]
    if not present:
        skip("credential files", "none in this home (batch jobs need them: bash install_credentials.sh)")
        return
    loose = [path for path in present if os.stat(path).st_mode & 0o077]
    if loose:
        report("credential files", False, "readable by others: %s" % ", ".join(loose), "chmod 600 " + " ".join(loose))
    else:
        report("credential files", True, "private (0600): %s" % ", ".join(present))


def check_environment():
    problems = []
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        problems.append(("MLFLOW_TRACKING_URI is %s, not an http(s) URL" % ("unset" if not uri else "'" + uri + "'"), "source the lab's mlflow_env.sh"))
    if env("MLFLOW_TRACKING_INSECURE_TLS") and ca_path:
        problems.append(("MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set; MLflow refuses that", "unset MLFLOW_TRACKING_INSECURE_TLS"))
    if ca_path and not os.path.isfile(ca_path):
        problems.append(("MLFLOW_TRACKING_SERVER_CERT_PATH points to %s, which is not a file" % ca_path, "render the bundle again or point it at the lab's CA certificate"))
    if env("MLFLOW_TRACKING_USERNAME") and not env("MLFLOW_TRACKING_PASSWORD"):
        problems.append(("only one of MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD is set", "source the lab's mlflow_env.sh again"))
    if env("MLFLOW_S3_IGNORE_TLS"):
        problems.append(("MLFLOW_S3_IGNORE_TLS is set", "unset it: bucket traffic must be verified"))
    if direct and not (env("AWS_ACCESS_KEY_ID") and env("AWS_SECRET_ACCESS_KEY")) and not aws_profile_has_keys():
        problems.append(("MLFLOW_S3_ENDPOINT_URL is set but the AWS keys are not, in the environment or in AWS_PROFILE's section of ~/.aws/credentials", "source the lab's mlflow_env.sh again, or in a batch job run the bundle's install_credentials.sh once"))
    if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        problems.append(("the tracking URI is plain http to %s: credentials would travel in clear" % parsed.hostname, "use the lab's https:// URI"))
    if problems:
        for message, fix in problems:
            report("environment", False, message, fix)
    else:
        report("environment", True, "variables consistent (%s artifacts)" % ("direct" if direct else "proxied"))


def ssl_context():
    if parsed.scheme != "https":
        return None
    return ssl.create_default_context(cafile=ca_path) if ca_path and os.path.isfile(ca_path) else ssl.create_default_context()


def request(path, authenticated=False):
    request = urllib.request.Request(uri.rstrip("/") + path)
    username, password, _ = tracking_credentials()
    if authenticated and username:
        token = b64encode(("%s:%s" % (username, password or "")).encode()).decode()
        request.add_header("Authorization", "Basic " + token)
    return urllib.request.urlopen(request, timeout=10, context=ssl_context())


def check_server():
    try:
        socket.getaddrinfo(parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
    except socket.gaierror:
        report("server", False, "cannot resolve host %s" % parsed.hostname, "check the host in MLFLOW_TRACKING_URI")
        return False
    try:
        with request("/health") as response:
            report("server", True, "%s answers /health" % uri)
            return True
    except urllib.error.HTTPError as error:
        report("server", False, "%s/health answered HTTP %d" % (uri, error.code), "ask the lab admin to check the server (journalctl -u mlflow)")
    except ssl.SSLError:
        report("server", True, "%s answers (TLS checked below)" % uri)
        return True
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        report("server", False, "nothing answers at %s:%s (%s)" % (parsed.hostname, parsed.port or "default port", reason), "is the server running? is the URI's host and port right?")
    return False


def check_tls():
    if parsed.scheme != "https":
        skip("tls", "plain http on loopback")
        return True
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 443), timeout=10) as raw:
            with ssl_context().wrap_socket(raw, server_hostname=parsed.hostname):
                report("tls", True, "certificate chain verifies%s" % (" with " + ca_path if ca_path else ""))
                return True
    except ssl.SSLCertVerificationError as error:
        report("tls", False, "the server's certificate does not verify: %s" % error.verify_message, "set MLFLOW_TRACKING_SERVER_CERT_PATH to the lab's CA certificate (lab-ca.pem)")
    except (OSError, ssl.SSLError) as error:
        report("tls", False, "TLS handshake failed: %s" % error, "check the URI's port")
    return False


def check_credentials():
    try:
        with request("/api/2.0/mlflow/experiments/search?max_results=1", authenticated=True):
            username, _, source = tracking_credentials()
            report("credentials", True, "accepted for user %s (from %s)" % (username or "(none)", source))
            return True
    except urllib.error.HTTPError as error:
        if error.code == 401:
            report("credentials", False, "the server refused the credentials from %s (HTTP 401)" % tracking_credentials()[2], "source the lab's current mlflow_env.sh (or run its install_credentials.sh again); ask the admin to render it again if the password changed")
        elif error.code == 403:
            report("credentials", False, "the server refused the request (HTTP 403): its host is not in the server's --allowed-hosts, or the user lacks permission", "use the exact tracking URI of the bundle")
        else:
            report("credentials", False, "the server answered HTTP %d" % error.code)
    except (urllib.error.URLError, OSError) as error:
        report("credentials", False, "request failed: %s" % getattr(error, "reason", error))
    return False


def check_client():
    """The researcher's Python must have MLflow (and boto3 for direct artifacts)."""
    try:
        import mlflow
    except ImportError:
        report("client", False, "%s has no MLflow" % sys.executable, "pip install 'mlflow[auth]' matching the server (see version), or pass --python with the interpreter you train with")
        return False
    if direct:
        try:
            import boto3  # noqa: F401
        except ImportError:
            report("client", False, "%s has no boto3, which direct artifacts need" % sys.executable, "pip install boto3")
            return False
    report("client", True, "MLflow %s in %s" % (mlflow.__version__, sys.executable))
    return True


def check_version():
    import mlflow

    try:
        with request("/version", authenticated=True) as response:
            server = response.read().decode().strip()
    except (urllib.error.URLError, OSError) as error:
        report("version", False, "cannot read the server's version: %s" % getattr(error, "reason", error))
        return
    client = mlflow.__version__
    if client.split(".")[0] == server.split(".")[0]:
        report("version", True, "client %s, server %s" % (client, server))
    else:
        report("version", False, "client MLflow %s does not match server %s" % (client, server), "pip install 'mlflow==%s'" % server)


def check_run():
    """A throw-away run: created, logged to, deleted. Returns the experiment's artifact location."""
    import mlflow

    client = mlflow.MlflowClient()
    try:
        name = env("MLFLOW_EXPERIMENT_NAME") or DOCTOR_EXPERIMENT
        experiment = client.get_experiment_by_name(name)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(name)
        run = client.create_run(experiment_id, run_name="mlflow-lab doctor")
        # Synchronous whatever the env says: a refused write must fail the check.
        client.log_metric(run.info.run_id, "doctor", 1.0, synchronous=True)
        if not direct:
            # Proxied artifacts go through the server: try one.
            with tempfile.TemporaryDirectory() as folder:
                probe = os.path.join(folder, "doctor.txt")
                with open(probe, "w") as handle:
                    handle.write("ok\n")
                client.log_artifact(run.info.run_id, probe)
        client.delete_run(run.info.run_id)
        report("run", True, "created, logged to and deleted a run in experiment %s" % name)
        return client.get_experiment(experiment_id).artifact_location
    except Exception as error:  # MLflow raises several types; the message is what helps
        report("run", False, "could not create, log to and delete a run: %s" % str(error).splitlines()[0][:200], "check the experiment permissions with the lab admin")
        return None


def check_bucket(artifact_location):
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    if not artifact_location or not artifact_location.startswith("s3://"):
        report("bucket", False, "the experiment's artifact location is %s, not s3://" % artifact_location, "ask the lab admin: direct mode needs the server's --default-artifact-root on S3")
        return
    location = urllib.parse.urlparse(artifact_location)
    bucket, key = location.netloc, location.path.strip("/") + "/mlflow-lab-doctor/" + uuid.uuid4().hex
    s3 = boto3.client("s3", endpoint_url=env("MLFLOW_S3_ENDPOINT_URL"), region_name=env("AWS_DEFAULT_REGION"))
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"ok\n")
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.delete_object(Bucket=bucket, Key=key)
        if body != b"ok\n":
            raise ValueError("read back different bytes")
        report("bucket", True, "put, get and delete in s3://%s" % bucket)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "?")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"):
            report("bucket", False, "the S3 endpoint refused AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (%s)" % code, "source the lab's current mlflow_env.sh")
        else:
            report("bucket", False, "S3 error %s on s3://%s" % (code, bucket))
    except (BotoCoreError, ValueError) as error:
        report("bucket", False, "S3 request failed: %s" % error, "check MLFLOW_S3_ENDPOINT_URL")


def main():
    check_environment()
    check_credential_files()
    if not parsed.hostname:
        return 1
    tls_ok = check_tls()
    if check_server() and tls_ok:
        if check_credentials():
            if check_client():
                check_version()
                location = check_run()
                if direct:
                    check_bucket(location)
                else:
                    skip("bucket", "proxied artifacts: researchers hold no bucket keys")
            else:
                for name in ("version", "run", "bucket"):
                    skip(name, "needs MLflow in the client's Python")
        else:
            for name in ("version", "run", "bucket"):
                skip(name, "needs accepted credentials")
    else:
        for name in ("credentials", "version", "run", "bucket"):
            skip(name, "needs a reachable server")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
