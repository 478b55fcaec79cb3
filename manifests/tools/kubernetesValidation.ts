/**
 * Checks rendered Kubernetes objects against the Kubernetes API (v1.33 schemas, kubernetes-models
 * 4.5), in two ways, because neither alone catches everything:
 *
 * - `validateSchema`: each object through its model's `validate()`, the OpenAPI schema compiled
 *   by kubernetes-models (types, required fields, formats, enums);
 * - `findUnknownFields`: the OpenAPI schema allows any extra property, so a misspelt field
 *   (`readinesProbe`) would pass and be dropped by the API server without a word. Each object is
 *   type-checked by the TypeScript compiler as an object literal of the package's interface
 *   (`IDeployment` …), whose excess-property check names every field the API does not know.
 *
 * A kind missing from MODELS is reported, not skipped: add it here when a manifest uses it.
 */
import path from 'node:path';
import ts from 'typescript';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { KubernetesObject } from './renderKustomization';

interface ModelClass {
  new (data: never): { validate(): void };
}

/** apiVersion/kind → the model class and the module that declares its interface `I<kind>`. */
const MODELS: Readonly<Record<string, { readonly model: ModelClass; readonly module: string }>> = {
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap' },
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service' },
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1/ServiceAccount' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet' },
  'batch/v1/Job': { model: Job, module: 'kubernetes-models/batch/v1/Job' },
  'networking.k8s.io/v1/Ingress': { model: Ingress, module: 'kubernetes-models/networking.k8s.io/v1/Ingress' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget' },
};

const describe = (o: KubernetesObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Problems of each object against its kind's OpenAPI schema (empty when all are valid). */
export function validateSchema(objects: readonly KubernetesObject[]): string[] {
  return objects.flatMap((object) => {
    const entry = MODELS[`${object.apiVersion}/${object.kind}`];
    if (entry === undefined) return [`${describe(object)}: no model for ${object.apiVersion} ${object.kind} in manifests/tools/kubernetesValidation.ts`];
    try {
      new entry.model(structuredClone(object) as never).validate();
      return [];
    } catch (error) {
      return [`${describe(object)}: ${(error as Error).message}`];
    }
  });
}

/** Fields the Kubernetes API does not know, and values of the wrong type, one line each. */
export function findUnknownFields(objects: readonly KubernetesObject[]): string[] {
  const file = path.join(__dirname, '__rendered_objects__.ts');
  const lines: string[] = [];
  objects.forEach((object, i) => {
    const entry = MODELS[`${object.apiVersion}/${object.kind}`];
    // One object per line, so that a diagnostic's line names its object.
    lines.push(entry === undefined ? '' : `import type { I${object.kind} as T${i} } from '${entry.module}'; export const o${i}: T${i} = ${JSON.stringify(object)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file === undefined || d.start === undefined || path.resolve(d.file.fileName) !== file) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${describe(objects[line]!)}: ${message}`;
  });
}
