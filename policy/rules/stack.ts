/** Rules over the whole stack. */
import type { StackRule } from "./types";

export const backupsConfigured: StackRule = {
  name: "backups-configured",
  description: "A lab keeps backups of its tracking database (advisory until the operations work lands).",
  enforcementLevel: "advisory",
  check(resources) {
    const holdsData = resources.some((r) => r.type === "openstack:blockstorage/volume:Volume" || r.type === "postgresql:index/database:Database");
    const backedUp = resources.some((r) => /backup|snapshot/i.test(r.type));
    return holdsData && !backedUp ? ["this lab has no backup of its tracking database configured; runs are lost with the volume or the server."] : [];
  },
};
