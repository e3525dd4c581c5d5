/**
 * P2: artifacts through the researcher environment against raw S3 on the same bucket, for the
 * shapes a lab uploads (a large and a medium checkpoint file, a folder of many small shards), in
 * direct and proxied mode; then a sweep of multipart thresholds and part sizes in proxied mode,
 * which is what MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE and _CHUNK_SIZE in the env rest on.
 */
import * as path from "node:path";
import type { LocalLab } from "../localLab/lab";
import { REPO_ROOT } from "../localLab/lab";
import { lastJsonLine } from "../localLab/processes";
import { log } from "./progress";

export type ArtifactShape =
  | { readonly shape: "file"; readonly mib: number }
  | { readonly shape: "folder"; readonly files: number; readonly kib: number };

/** One proxied upload with multipart settings of its own: `minimumMiB` above `mib` means one PUT. */
export interface MultipartTrial {
  readonly mib: number;
  readonly minimumMiB: number;
  readonly chunkMiB: number;
}

export interface UploadFigures {
  /** What one upload sends, in MB (10^6 bytes). */
  readonly megabytes: number;
  readonly rawSeconds: number;
  readonly mlflowSeconds: number;
  readonly rawMBps: number;
  readonly mlflowMBps: number;
  /** raw seconds / MLflow seconds: 1 means MLflow costs nothing over raw S3. */
  readonly ratio: number;
}

export const shapeName = (shape: ArtifactShape) => (shape.shape === "file" ? `file${shape.mib}MiB` : `folder${shape.files}x${shape.kib}KiB`);

function upload(lab: LocalLab, spec: ArtifactShape & { readonly multipart?: { minimumMiB: number; chunkMiB: number } }): UploadFigures {
  const state = lab.state();
  const output = lab.pythonInBundleEnv("P2", path.join(REPO_ROOT, "bench", "p2.py"), [JSON.stringify(spec), lab.bucket, `bench-raw/${shapeName(spec)}`], {
    BENCH_RAW_ENDPOINT: `http://127.0.0.1:${state.ports.s3}`,
    BENCH_RAW_ACCESS_KEY: state.secrets.s3AccessKey,
    BENCH_RAW_SECRET_KEY: state.secrets.s3SecretKey,
  });
  return lastJsonLine<UploadFigures>(output);
}

/** Medians of repeated uploads; rawSpread is (max - min) / median of raw S3's MB/s. */
export interface ShapeFigures extends UploadFigures {
  readonly rawSpread: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Each shape through one lab's env (its artifact mode and multipart settings as rendered),
 * `repeats` times: raw S3 on loopback varied 93-241 MB/s between single uploads, so the figures
 * are the medians of raw and MLflow seconds, and `rawSpread` says how far raw S3 moved.
 */
export function measureShapes(lab: LocalLab, shapes: readonly ArtifactShape[], repeats: number): Record<string, ShapeFigures> {
  const figures: Record<string, ShapeFigures> = {};
  for (const shape of shapes) {
    const trials: UploadFigures[] = [];
    for (let repeat = 1; repeat <= repeats; repeat++) {
      log(`P2 ${lab.labConfig().artifacts.mode} ${shapeName(shape)}: through mlflow_env.sh vs raw boto3, ${repeat}/${repeats}`);
      trials.push(upload(lab, shape));
    }
    const rawSeconds = median(trials.map((trial) => trial.rawSeconds));
    const mlflowSeconds = median(trials.map((trial) => trial.mlflowSeconds));
    const rawMBpsAll = trials.map((trial) => trial.rawMBps);
    const megabytes = trials[0].megabytes;
    figures[shapeName(shape)] = {
      megabytes, rawSeconds, mlflowSeconds,
      rawMBps: megabytes / rawSeconds, mlflowMBps: megabytes / mlflowSeconds,
      ratio: rawSeconds / mlflowSeconds,
      rawSpread: (Math.max(...rawMBpsAll) - Math.min(...rawMBpsAll)) / median(rawMBpsAll),
    };
  }
  return figures;
}

/**
 * The figures kept stable across commits: proxied against raw S3 for the 256 and 64 MiB files,
 * and proxied against direct for the folder of small files (null where a profile has no such shape).
 */
export function artifactSummary(direct: Record<string, UploadFigures>, proxied: Record<string, UploadFigures>) {
  const folder = Object.keys(proxied).find((name) => name.startsWith("folder"));
  return {
    proxiedRatio: proxied.file256MiB?.ratio ?? null,
    proxiedRatio64: proxied.file64MiB?.ratio ?? null,
    smallFilesProxiedVsDirect: folder ? direct[folder].mlflowSeconds / proxied[folder].mlflowSeconds : null,
  };
}

/** Proxied uploads under other multipart settings than the env's. */
export function measureMultipart(lab: LocalLab, trials: readonly MultipartTrial[]): (MultipartTrial & UploadFigures)[] {
  return trials.map((trial) => {
    const how = trial.minimumMiB > trial.mib ? "one PUT" : `parts of ${trial.chunkMiB} MiB`;
    log(`P2 multipart: ${trial.mib} MiB proxied, ${how}`);
    return { ...trial, ...upload(lab, { shape: "file", mib: trial.mib, multipart: { minimumMiB: trial.minimumMiB, chunkMiB: trial.chunkMiB } }) };
  });
}

/** S3 refuses to complete an upload whose parts (all but the last) are smaller than 5 MiB. */
const S3_MINIMUM_PART_MIB = 5;

/** For each size: one PUT, then each part size, so the threshold shows where parts start to pay. */
export function multipartTrials(sizesMiB: readonly number[], chunksMiB: readonly number[]): MultipartTrial[] {
  const tooSmall = chunksMiB.filter((chunk) => chunk < S3_MINIMUM_PART_MIB);
  if (tooSmall.length > 0) throw new Error(`multipart parts of ${tooSmall.join(", ")} MiB: S3 needs at least ${S3_MINIMUM_PART_MIB} MiB`);
  return sizesMiB.flatMap((mib) => [
    { mib, minimumMiB: mib + 1, chunkMiB: chunksMiB[0] },
    ...chunksMiB.map((chunkMiB) => ({ mib, minimumMiB: 1, chunkMiB })),
  ]);
}

export function printArtifacts(p2: { direct: Record<string, ShapeFigures>; proxied: Record<string, ShapeFigures>; multipart: (MultipartTrial & UploadFigures)[] }, fmt: (n: unknown) => string): void {
  console.log("\nP2 artifacts (MB/s through the env, raw boto3, ratio)");
  for (const mode of ["direct", "proxied"] as const) {
    for (const [shape, f] of Object.entries(p2[mode])) {
      console.log(`${mode.padEnd(8)} ${shape.padEnd(22)} mlflow ${fmt(f.mlflowMBps).padStart(7)}   raw ${fmt(f.rawMBps).padStart(7)} (spread ${Math.round(100 * f.rawSpread)} %)   ratio ${fmt(f.ratio)}`);
    }
  }
  for (const shape of Object.keys(p2.proxied)) {
    console.log(`proxied/direct ${shape}: ${fmt(p2.direct[shape].mlflowSeconds / p2.proxied[shape].mlflowSeconds)}`);
  }
  console.log("\nP2 multipart sweep (proxied)");
  for (const trial of p2.multipart) {
    const how = trial.minimumMiB > trial.mib ? "one PUT" : `parts ${trial.chunkMiB} MiB`;
    console.log(`${`${trial.mib} MiB`.padEnd(8)} ${how.padEnd(14)} mlflow ${fmt(trial.mlflowMBps).padStart(7)}   raw ${fmt(trial.rawMBps).padStart(7)}   ratio ${fmt(trial.ratio)}`);
  }
}
