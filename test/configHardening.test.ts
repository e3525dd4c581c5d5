/**
 * The adversarial findings on config, each as a test, and a corpus of malformed configs: every
 * one rejected, naming the bad key, never quoting a credential.
 */
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, type ConfigKey } from "../config/keys";
import { buildLabConfig, type RawConfig } from "../config/schema";
import { minimalRawConfig } from "./helpers/labConfig";
import { validationProblems } from "./helpers/problems";

const problemsOf = (raw: RawConfig, secrets: Record<string, string> = {}) => validationProblems(() => buildLabConfig(raw, secrets));
const messageOf = (raw: RawConfig, key: ConfigKey) => problemsOf(raw).find((problem) => problem.path === `mlflow-lab:${key}`)?.message ?? "";

describe("SSH is never open to the internet", () => {
  it.each([
    ["0.0.0.0/0", "is the whole internet"],
    ["::/0", "is the whole internet"],
    ["0.0.0.0/1", "is wider than /16"],
    ["10.0.0.0/8", "is wider than /16"],
    ["2001:db8::/32", "is wider than /48"],
  ])("refuses adminCidr %s", (cidr, reason) => {
    expect(messageOf({ ...minimalRawConfig(), adminCidr: cidr }, "adminCidr")).toContain(reason);
  });

  it("accepts an institution's /16 and a /48", () => {
    expect(() => buildLabConfig({ ...minimalRawConfig(), adminCidr: "172.16.0.0/16" }, {})).not.toThrow();
    expect(() => buildLabConfig({ ...minimalRawConfig(), adminCidr: "2001:db8:42::/48" }, {})).not.toThrow();
  });

  it("refuses host bits set, naming the network address in the message", () => {
    expect(messageOf({ ...minimalRawConfig(), adminCidr: "198.51.100.7/8" }, "adminCidr")).toContain("has host bits set; the network is 198.0.0.0/8");
    expect(messageOf({ ...minimalRawConfig(), labCidrs: '["203.0.113.9/24"]' }, "labCidrs")).toContain("the network is 203.0.113.0/24");
  });
});

describe("every problem of every phase at once", () => {
  it("reports a bad value beside an incomplete mode", () => {
    const problems = problemsOf({ ...minimalRawConfig(), slurmTime: "soon", tlsMode: "institution" });
    expect(problems.map((problem) => problem.path).sort()).toEqual(["mlflow-lab:slurmTime", "mlflow-lab:tlsCertificate", "mlflow-lab:tlsPrivateKey"]);
  });
});

describe("values that land in Kubernetes objects are bounded", () => {
  it("refuses a 2 MiB experiment name (a Secret holds at most 1 MiB)", () => {
    const message = messageOf({ ...minimalRawConfig(), experimentName: "x".repeat(2 * 1024 * 1024) }, "experimentName");
    expect(message).toContain("must be at most 65536 bytes");
    expect(message.length).toBeLessThan(400);
  });

  it("bounds names and lists: lab, Run:ai project, researchers", () => {
    expect(messageOf({ ...minimalRawConfig(), lab: "a".repeat(41) }, "lab")).toContain("at most 40 characters");
    expect(messageOf({ ...minimalRawConfig(), runaiProject: "p".repeat(58) }, "runaiProject")).toContain("at most 57 characters");
    expect(messageOf({ ...minimalRawConfig(), runaiResearchers: JSON.stringify(Array.from({ length: 1001 }, (_, i) => `u${i}`)) }, "runaiResearchers")).toContain("at most 1000 entries");
  });
});

describe("no credential in any message", () => {
  const CANARY = "CANARY-s3cr3t-0f-the-lab";

  it("a URL with credentials is refused without echoing it, and the fix names a real key", () => {
    const message = messageOf({ ...minimalRawConfig(), s3EndpointUrl: `https://AKIAEXAMPLE:${CANARY}@object.example.org` }, "s3EndpointUrl");
    expect(message).toContain("must not embed credentials");
    expect(message).toContain("fix: pulumi config set s3EndpointUrl https://object-arbutus.cloud.computecanada.ca");
    expect(message).not.toContain(CANARY);
    expect(message).not.toContain("AKIAEXAMPLE");
    expect(message).not.toContain("tracking.username");
  });

  it("a Slurm variable that redefines a reserved name, or is malformed, is named but no entry is shown", () => {
    const problems = problemsOf({ ...minimalRawConfig(), slurmEnvironment: JSON.stringify(["OK=1", `AWS_SECRET_ACCESS_KEY=${CANARY}`, `no equals ${CANARY}`, `TOKEN=${CANARY}\u0000`]) });
    const text = JSON.stringify(problems);
    expect(problems.map((problem) => problem.message.replace(/;.*/, ""))).toEqual([
      "entry [1] AWS_SECRET_ACCESS_KEY is set by mlflow-lab itself",
      "entry [2] each entry must be NAME=value with a valid variable name",
      "entry [3] TOKEN must not contain a NUL byte",
    ]);
    expect(text).not.toContain(CANARY);
  });

  it("a credential key stored in clear is refused with the --secret fix, its value never shown", () => {
    const raw = { ...minimalRawConfig(), databaseMode: "existing", databaseHost: "pg.example.org", databaseAdminUsername: "postgres", databaseAdminPassword: CANARY };
    const message = messageOf(raw, "databaseAdminPassword");
    expect(message).toBe("holds a credential but is stored in clear text; fix: pulumi config set --secret databaseAdminPassword");
    expect(JSON.stringify(problemsOf(raw))).not.toContain(CANARY);
  });

  it("a non-secret key stored encrypted is checked when readable, never quoted back", () => {
    const problems = validationProblems(() => buildLabConfig({ ...minimalRawConfig(), hostname: `Not A Host ${CANARY}` }, {}, new Set<ConfigKey>(["hostname"])));
    expect(problems.map((problem) => problem.path)).toEqual(["mlflow-lab:hostname"]);
    expect(JSON.stringify(problems)).not.toContain(CANARY);
    // Offline it cannot be read: it counts as set, and nothing is said about "[secret]".
    expect(() => buildLabConfig({ ...minimalRawConfig(), hostname: "[secret]" }, {}, new Set<ConfigKey>(["hostname"]))).not.toThrow();
  });
});

/** Malformed values by kind, for every key: each must be refused, naming the key. */
function malformedCorpus(): { kind: string; key: ConfigKey; value: string }[] {
  const corpus: { kind: string; key: ConfigKey; value: string }[] = [];
  const add = (key: ConfigKey, kind: string, ...values: string[]) => values.forEach((value) => corpus.push({ kind, key, value }));
  const controls = ["line\nbreak", "nul\u0000byte", "bell\u0007"];
  const shellish = ["$(touch /tmp/x)", "a'b\"c", "semi;colon", "two words"];
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [ConfigKey, (typeof CONFIG_KEYS)[ConfigKey]][]) {
    if ("secret" in spec) continue;
    if (spec.type === "integer") add(key, "integer", "many", "-3", "1.5", "99999999999");
    else if (spec.type === "boolean") add(key, "boolean", "yes", "1");
    else if (spec.type === "array") add(key, "list", "[oops", '{"a":1}', "[[1]]");
    else if (key === "experimentName") add(key, "free text too long", "x".repeat(70_000));
    else if (["serverImage", "serverFlavor", "networkName", "externalNetworkName", "keyPairName", "runaiKubeContext"].includes(key)) add(key, "name with control characters", ...controls, "x".repeat(300));
    else if (key === "s3EndpointUrl") add(key, "URL", "object.example.org", "ftp://object.example.org", "https://user:pass@object.example.org", "https://a b.org");
    else if (key === "adminCidr") add(key, "CIDR", "anywhere", "10.0.0.0/33", "0.0.0.0/0", "198.51.100.7/8");
    else if (key === "offlineSqliteDbPath" || key === "offlineArtifactsPath") add(key, "path", "relative/path", "/tmp/a?b", "/tmp/line\nbreak");
    else if (key === "mlflowVersion") add(key, "version", "2.22.0", "latest", "3.11.0rc1");
    else add(key, "pattern with shell or control characters", ...shellish, ...controls);
  }
  return corpus;
}

describe("a corpus of malformed configs", () => {
  const corpus = malformedCorpus();

  it(`refuses all ${corpus.length} of them, each naming its key`, () => {
    const accepted: string[] = [];
    const kinds = new Map<string, number>();
    for (const { kind, key, value } of corpus) {
      kinds.set(kind.replace(/ ".*/, ""), (kinds.get(kind.replace(/ ".*/, "")) ?? 0) + 1);
      // Keys of another choice would be refused for that alone: set the choice they belong to.
      const acme = key.startsWith("acme");
      const existing = key.startsWith("database") && key !== "databaseMode";
      const institution = key === "tlsCertificate";
      const base: RawConfig = {
        ...minimalRawConfig(),
        ...(acme ? { tlsMode: "acme-dns", acmeEmail: "a@example.org", acmeDnsPlugin: "rfc2136" } : {}),
        ...(institution ? { tlsMode: "institution" } : {}),
        ...(existing ? { databaseMode: "existing", databaseHost: "pg.example.org", databaseAdminUsername: "postgres" } : {}),
      };
      const secrets = { ...(acme ? { acmeDnsCredentials: "c" } : {}), ...(institution ? { tlsPrivateKey: "k" } : {}), ...(existing ? { databaseAdminPassword: "p" } : {}) };
      try {
        buildLabConfig({ ...base, [key]: value }, secrets);
        accepted.push(`${key}=${JSON.stringify(value.slice(0, 30))} (${kind})`);
      } catch (error) {
        const problems = (error as { problems: { path: string }[] }).problems;
        if (!problems.some((problem) => problem.path === `mlflow-lab:${key}`)) accepted.push(`${key}: refused, but not by name (${kind})`);
      }
    }
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(accepted).toEqual([]);
    console.log(`malformed configs: ${corpus.length} tried, ${corpus.length - accepted.length} rejected by key; kinds: ${[...kinds].map(([kind, count]) => `${kind} ${count}`).join(", ")}`);
  });
});
