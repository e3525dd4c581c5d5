/**
 * Evaluates the Pulumi program under Pulumi's mock runtime, with no CLI and no cloud: every
 * resource is recorded with its type, name, parent and inputs. Used by `mlflow-lab plan`, the
 * unit tests and the benchmark. Invokes are answered only when known; any other invoke throws.
 */
import * as pulumi from "@pulumi/pulumi";
import { labStack } from "../stack";

/** A secret as the engine receives it: an object marked with Pulumi's signature key. */
export function isSecretMarker(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource; undefined for the stack's direct children. */
  readonly parent?: string;
  readonly custom: boolean;
  /** Inputs as the engine would receive them: secrets and unknowns still marked. */
  readonly inputs: Record<string, unknown>;
  /** Set for resources read (`.get`) rather than created. */
  readonly readId?: string;
}

export interface Evaluation {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

export interface EvaluateOptions {
  readonly stack: string;
  /** Full config keys (mlflow-lab:lab) to string values, as the CLI hands them to a program. */
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  /**
   * preview: provider-computed values stay unknown, as in `pulumi preview`.
   * fake: they get deterministic stand-ins so that every apply runs (unit tests).
   */
  readonly computed: "preview" | "fake";
  /** The program; default: the lab stack that index.ts exports. */
  readonly program?: () => Record<string, unknown>;
  /** With computed "fake": real values instead of the stand-ins (the VM test makes real certificates). */
  readonly computedState?: ComputedState;
}

/** What a provider would compute for a resource, from its type, name and resolved inputs. */
export type ComputedState = (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;


/** Stand-ins for what providers compute, by type: only what the program reads. */
function fakeComputedState(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: `fake${name.replace(/[^A-Za-z0-9]/g, "")}` };
    case "openstack:identity/ec2CredentialV3:Ec2CredentialV3":
      return { access: `fake-access-${name}`, secret: `fake-secret-${name}` };
    case "openstack:networking/floatingIp:FloatingIp":
      return { address: "192.0.2.10" };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\nfake-${name}\n-----END PRIVATE KEY-----\n` };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `-----BEGIN CERTIFICATE-----\nfake-${name}\n-----END CERTIFICATE-----\n` };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nfake-${name}\n-----END CERTIFICATE REQUEST-----\n` };
    default:
      return {};
  }
}

/** What reading an existing resource (`.get`) returns: at least the name it was read by. */
function readState(type: string, id: string): Record<string, unknown> {
  switch (type) {
    case "kubernetes:core/v1:Namespace":
      return { metadata: { name: id } };
    case "aws:s3/bucket:Bucket":
      return { bucket: id };
    default:
      return {};
  }
}

function answerInvoke(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "openstack:networking/getNetwork:getNetwork":
      return { id: `network-id-of-${String(inputs.name)}`, name: inputs.name };
    default:
      throw new Error(`mock runtime: no answer for invoke ${token}; add one to engine/mockRuntime.ts`);
  }
}

/** Evaluates the program once. Throws what the program throws (bad config: its ValidationError). */
export async function evaluateProgram(options: EvaluateOptions): Promise<Evaluation> {
  const resources: RecordedResource[] = [];
  const parents = new Map<string, string>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const readId = args.id;
        resources.push({
          type: args.type,
          name: args.name,
          parent: parents.get(`${args.type}::${args.name}`),
          custom: args.custom ?? false,
          inputs: args.inputs as Record<string, unknown>,
          ...(readId !== undefined && readId !== "" ? { readId } : {}),
        });
        const inputs = args.inputs as Record<string, unknown>;
        const computed = {
          ...(readId ? readState(args.type, readId) : {}),
          ...(options.computed === "fake" ? (options.computedState ?? fakeComputedState)(args.type, args.name, inputs) : {}),
        };
        return { id: readId || (options.computed === "fake" ? `${args.name}-id` : undefined), state: { ...inputs, ...computed } };
      },
      call(args) {
        return answerInvoke(args.token, args.inputs as Record<string, unknown>);
      },
    },
    "mlflow-lab",
    options.stack,
    options.computed === "preview",
  );
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);

  const run = options.program ?? (() => labStack("throw"));
  let outputs: Record<string, unknown> = {};
  let failure: { error: unknown } | undefined;
  await pulumi.runtime.runInPulumiStack(() => {
    pulumi.runtime.registerStackTransformation((args) => {
      const parentName = (args.opts.parent as { __name?: string } | undefined)?.__name;
      if (parentName !== undefined && args.type !== "pulumi:pulumi:Stack") parents.set(`${args.type}::${args.name}`, parentName);
      return undefined;
    });
    try {
      outputs = run();
    } catch (error) {
      // Rethrown below, once the runtime has settled: a rejection here would go unhandled.
      failure = { error };
    }
    return Promise.resolve(outputs);
  });
  // Registrations that hang off applies finish after the program returns; wait for every RPC.
  await pulumi.runtime.disconnect();
  if (failure) throw failure.error;
  return { resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs };
}
