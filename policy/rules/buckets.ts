/** Buckets stay private: no public ACL, no policy for everyone, every public-access block on. */
import type { ResourceRule } from "./types";

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

function hasPublicStatement(policy: unknown): boolean {
  const document = (typeof policy === "string" ? (JSON.parse(policy) as unknown) : policy) as { Statement?: unknown } | undefined;
  const statements = ([] as unknown[]).concat(document?.Statement ?? []) as { Effect?: string; Principal?: unknown }[];
  return statements.some((statement) => {
    if (statement.Effect !== "Allow") return false;
    const principal = statement.Principal;
    if (principal === "*") return true;
    const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  });
}

export const noPublicBucket: ResourceRule = {
  name: "no-public-bucket",
  description: "No bucket has a public ACL or a policy that allows everyone.",
  enforcementLevel: "mandatory",
  check(resource) {
    const violations: string[] = [];
    const acl = resource.props.acl;
    if ((resource.type === "aws:s3/bucket:Bucket" || resource.type.startsWith("aws:s3/bucketAcl")) && typeof acl === "string" && PUBLIC_ACLS.has(acl)) {
      violations.push(`${resource.name}: ACL ${acl} makes the bucket public; remove it (buckets are private by default).`);
    }
    const policy = resource.props.policy;
    if ((resource.type === "aws:s3/bucket:Bucket" || resource.type === "aws:s3/bucketPolicy:BucketPolicy") && policy !== undefined && hasPublicStatement(policy)) {
      violations.push(`${resource.name}: the bucket policy allows Principal "*"; grant named principals only.`);
    }
    if (resource.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        if (resource.props[flag] === false) violations.push(`${resource.name}: ${flag} is false; keep every public-access block on.`);
      }
    }
    return violations;
  },
};
