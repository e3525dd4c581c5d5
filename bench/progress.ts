/** Progress lines of the benchmark, one prefix for every part. */
export const log = (line: string) => console.log(`[bench] ${line}`);
