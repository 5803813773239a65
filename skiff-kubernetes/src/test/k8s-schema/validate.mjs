// Validates Kubernetes objects (JSON files, each an array of objects) with the validators that
// kubernetes-models generates from the Kubernetes OpenAPI schema: required fields, types, formats.
// Prints "VALID kind/name" or "INVALID kind/name: reason" per object; exit code 1 if any is invalid.
import { readFileSync } from "node:fs";
import * as core from "kubernetes-models/v1";
import * as batch from "kubernetes-models/batch/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";

const models = {
  "v1/Pod": core.Pod,
  "v1/Secret": core.Secret,
  "v1/ServiceAccount": core.ServiceAccount,
  "batch/v1/Job": batch.Job,
  "batch/v1/CronJob": batch.CronJob,
  "rbac.authorization.k8s.io/v1/Role": rbac.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": rbac.RoleBinding,
};

let invalid = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of JSON.parse(readFileSync(file, "utf8"))) {
    const id = `${doc.kind}/${doc.metadata?.name}`;
    const Model = models[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) {
      console.log(`INVALID ${id}: no schema for ${doc.apiVersion} ${doc.kind}`);
      invalid++;
      continue;
    }
    try {
      new Model(doc).validate();
      console.log(`VALID ${id}`);
    } catch (e) {
      console.log(`INVALID ${id}: ${e.message}`);
      invalid++;
    }
  }
}
process.exit(invalid === 0 ? 0 : 1);
