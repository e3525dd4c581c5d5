import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentVariable } from "../templates/researcher/environment";
import { BUNDLE_FILES, MANAGED_BY_LABEL, runaiNamespace } from "../model/names";
import { CA_CONFIGMAP_KEY } from "../templates/researcher/kubernetes";

export interface RunaiProjectArgs {
  /** Run:ai project; the namespace is runai-<project>. */
  readonly project: string;
  /** adopt (default: Run:ai created the namespace) or create. */
  readonly namespaceMode: "adopt" | "create";
  /** kubeconfig context of the cluster. Default: the current context. */
  readonly kubeContext?: string;
  /** Name of the Secret that Job templates take their MLflow environment from. */
  readonly envSecretName: string;
  /** The MLflow environment of the lab's jobs (same variables as mlflow_env.sh). */
  readonly environment: pulumi.Input<EnvironmentVariable[]>;
  readonly jobTemplateYaml: pulumi.Input<string>;
  /** Lab CA certificate, mounted into jobs from a ConfigMap named <envSecretName>-ca. */
  readonly caCertPem?: pulumi.Input<string>;
  /** Kubernetes users allowed to create Jobs in the namespace. Default: none. */
  readonly researchers?: readonly string[];
}

/** The lab's Run:ai namespace with the MLflow Secret, the Job template and job-submission rights. */
export class RunaiProject extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly envSecretName: pulumi.Output<string>;

  constructor(name: string, args: RunaiProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlflow-lab:runai:RunaiProject", name, {}, opts);

    const provider = new k8s.Provider(`${name}-provider`, { context: args.kubeContext, enableServerSideApply: true }, { parent: this });
    const childOpts = { parent: this, provider };
    const namespaceName = runaiNamespace(args.project);
    const namespace =
      args.namespaceMode === "create"
        ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: namespaceName, labels: { "runai/queue": args.project } } }, childOpts)
        : k8s.core.v1.Namespace.get(`${name}-namespace`, namespaceName, childOpts);
    this.namespace = namespace.metadata.name;
    const labels = { ...MANAGED_BY_LABEL };

    const secret = new k8s.core.v1.Secret(
      `${name}-env`,
      {
        metadata: { name: args.envSecretName, namespace: this.namespace, labels },
        type: "Opaque",
        stringData: pulumi.secret(
          pulumi.output(args.environment).apply((variables) => Object.fromEntries(variables.map((variable) => [variable.name, variable.value]))),
        ),
      },
      childOpts,
    );
    this.envSecretName = secret.metadata.name;

    new k8s.core.v1.ConfigMap(
      `${name}-job-template`,
      { metadata: { name: `${args.envSecretName}-job-template`, namespace: this.namespace, labels }, data: { [BUNDLE_FILES.jobTemplate]: args.jobTemplateYaml } },
      childOpts,
    );
    if (args.caCertPem !== undefined) {
      new k8s.core.v1.ConfigMap(
        `${name}-ca`,
        { metadata: { name: `${args.envSecretName}-ca`, namespace: this.namespace, labels }, data: { [CA_CONFIGMAP_KEY]: args.caCertPem } },
        childOpts,
      );
    }

    const role = new k8s.rbac.v1.Role(
      `${name}-job-submitter`,
      {
        metadata: { name: "mlflow-job-submitter", namespace: this.namespace, labels },
        rules: [
          { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
          { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
        ],
      },
      childOpts,
    );
    const researchers = args.researchers ?? [];
    if (researchers.length > 0) {
      new k8s.rbac.v1.RoleBinding(
        `${name}-researchers`,
        {
          metadata: { name: "mlflow-researchers", namespace: this.namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: researchers.map((user) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user })),
        },
        childOpts,
      );
    }

    this.registerOutputs({ namespace: this.namespace, envSecretName: this.envSecretName });
  }
}
