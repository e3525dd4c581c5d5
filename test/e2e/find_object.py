"""Reads one object straight from the S3 server (boto3, not MLflow): prints its size and sha256."""
import hashlib
import json
import os
import sys

import boto3

bucket, prefix = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"], region_name=os.environ["AWS_DEFAULT_REGION"])
listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
found = {}
for item in listing.get("Contents", []):
    body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    found[item["Key"]] = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
print(json.dumps(found))
