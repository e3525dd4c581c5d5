import * as net from "node:net";
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { OpenStackPlacement } from "../../model/labConfig";
import { type CloudInitSpec, type VmTls, renderCloudInit } from "../../templates/server/cloudInit";
import type { BackupSpec } from "../../model/backupSpec";
import type { ServerLaunchSpec } from "../../model/launchSpec";
import { vmUpgradeSite } from "../../model/vmSite";

export interface VmDatabaseSettings {
  readonly role: string;
  readonly password: string;
  readonly trackingDatabase: string;
  readonly authDatabase: string;
}

/** Where the database lives: on the VM (cloud-init creates it on the data volume) or elsewhere. */
export type ServerDatabase = { readonly mode: "vm"; readonly settings: pulumi.Input<VmDatabaseSettings> } | { readonly mode: "existing" };

/** The OpenStack placement of the server (image, flavor, networks, key pair, CIDRs, volume size). */
export interface TrackingServerArgs extends Omit<OpenStackPlacement, "projectId"> {
  readonly hostname: string;
  /** MLflow version the server runs; a change replaces the instance, whose bootstrap upgrades safely. */
  readonly mlflowVersion: string;
  readonly launch: pulumi.Input<ServerLaunchSpec>;
  /** pgBackRest's settings (used when the database lives on the VM). */
  readonly backup: pulumi.Input<BackupSpec>;
  /** The object store's CA certificate, when a private one. */
  readonly objectStoreCaPem?: string;
  readonly database: ServerDatabase;
  readonly tls: pulumi.Input<VmTls>;
}

function ethertype(cidr: string): "IPv4" | "IPv6" {
  return net.isIPv6(cidr.split("/")[0]) ? "IPv6" : "IPv4";
}

/** Nova exposes a Cinder volume under the first 20 characters of its ID. */
export function volumeDevicePath(volumeId: string): string {
  return `/dev/disk/by-id/virtio-${volumeId.slice(0, 20)}`;
}

/**
 * The tracking server VM: 443 from the lab and 22 from the admin, nothing else (never 5432);
 * a port and floating IP; a data volume that outlives the VM; cloud-init that builds the rest.
 */
export class TrackingServer extends pulumi.ComponentResource {
  readonly floatingIp: pulumi.Output<string>;
  readonly instanceId: pulumi.Output<string>;
  readonly trackingUrl: string;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: TrackingServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlflow-lab:server:TrackingServer", name, {}, opts);
    const childOpts = { parent: this };

    const securityGroup = new openstack.networking.SecGroup(
      `${name}-secgroup`,
      { name: `${name}-mlflow`, description: `MLflow tracking server ${args.hostname}: 443 from the lab, 22 from the admin` },
      childOpts,
    );
    const ingress = (role: string, cidr: string, port: number) =>
      new openstack.networking.SecGroupRule(
        `${name}-${role}`,
        {
          securityGroupId: securityGroup.id,
          direction: "ingress",
          ethertype: ethertype(cidr),
          protocol: "tcp",
          portRangeMin: port,
          portRangeMax: port,
          remoteIpPrefix: cidr,
        },
        childOpts,
      );
    args.labCidrs.forEach((cidr, index) => ingress(`https-${index}`, cidr, 443));
    ingress("ssh", args.adminCidr, 22);

    const network = openstack.networking.getNetworkOutput({ name: args.network }, childOpts);
    const port = new openstack.networking.Port(
      `${name}-port`,
      { name: `${name}-mlflow`, networkId: network.id, securityGroupIds: [securityGroup.id], adminStateUp: true },
      childOpts,
    );
    const floatingIp = new openstack.networking.FloatingIp(`${name}-floating-ip`, { pool: args.externalNetwork }, childOpts);
    new openstack.networking.FloatingIpAssociate(`${name}-floating-ip-association`, { floatingIp: floatingIp.address, portId: port.id }, childOpts);

    const database = args.database;
    // Only a VM-local database needs the volume; protected, since it holds every run.
    const volume =
      database.mode === "vm"
        ? new openstack.blockstorage.Volume(
            `${name}-data`,
            { name: `${name}-mlflow-data`, size: args.dataVolumeSizeGiB, description: "Postgres data of the MLflow tracking server" },
            { ...childOpts, protect: true },
          )
        : undefined;

    const vmDatabase: pulumi.Input<CloudInitSpec["database"]> =
      database.mode === "vm" && volume
        ? pulumi.all([database.settings, volume.id]).apply(([settings, volumeId]) => ({ mode: "vm" as const, ...settings, volumeDevice: volumeDevicePath(volumeId) }))
        : { mode: "existing" as const };
    const userData = pulumi.all([args.launch, vmDatabase, args.tls, args.backup]).apply(([launch, cloudDatabase, tlsSpec, backup]) =>
      renderCloudInit({
        hostname: args.hostname,
        launch,
        database: cloudDatabase,
        backup,
        upgrade: vmUpgradeSite(args.mlflowVersion),
        tls: tlsSpec,
        ...(args.objectStoreCaPem !== undefined ? { objectStoreCaPem: args.objectStoreCaPem } : {}),
      }),
    );

    const instance = new openstack.compute.Instance(
      `${name}-vm`,
      {
        name: `${name}-mlflow`,
        imageName: args.image,
        flavorName: args.flavor,
        keyPair: args.keyPair,
        networks: [{ port: port.id }],
        // Holds database, S3 and admin credentials.
        userData: pulumi.secret(userData),
      },
      childOpts,
    );
    if (volume) {
      new openstack.compute.VolumeAttach(`${name}-data-attachment`, { instanceId: instance.id, volumeId: volume.id }, childOpts);
    }

    this.floatingIp = floatingIp.address;
    this.instanceId = instance.id;
    this.securityGroupId = securityGroup.id;
    this.trackingUrl = `https://${args.hostname}`;
    this.registerOutputs({ floatingIp: this.floatingIp, instanceId: this.instanceId, trackingUrl: this.trackingUrl });
  }
}
