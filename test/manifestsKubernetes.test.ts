/**
 * manifests/kubernetes, rendered from every overlay (and with the config-from-secret component) by
 * manifests/tools/renderKustomization.ts: every object valid for the Kubernetes API (v1.33 schemas
 * of kubernetes-models, and no field the API does not know); the server configuration in the
 * ConfigMap valid for the server's own schema; every ScanSelect container running a real
 * `scanselect` command; and what docs/deploy.md promises — probes on /api/health, the hardened
 * pod security, secrets by reference, network policies, the GPU worker. No cluster runs here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildProgram } from '../server/src/cli/main';
import { parseServerConfig, type ServerConfig } from '../server/src/config/serverConfig';
import { openApiDocument } from '../server/src/http/openApi';
import { JOB_KINDS } from '../server/src/jobs/pollingJobQueue';
import { commandLineProblems } from '../manifests/tools/commandLine';
import { findUnknownFields, validateSchema } from '../manifests/tools/kubernetesValidation';
import { podSpecs, renderKustomization, splitImage, type KubernetesObject } from '../manifests/tools/renderKustomization';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML, checked field by field below

const KUBERNETES = path.join(__dirname, '..', 'manifests', 'kubernetes');
const program = buildProgram();

/** Renders an overlay of the operator's own (kustomize refuses absolute paths, so it lives in manifests/kubernetes for the run). */
function renderOwnOverlay(kustomization: string): KubernetesObject[] {
  const dir = mkdtempSync(path.join(KUBERNETES, '.test-overlay-'));
  try {
    writeFileSync(path.join(dir, 'kustomization.yaml'), kustomization);
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RENDERINGS: Record<string, () => KubernetesObject[]> = {
  cpu: () => renderKustomization(path.join(KUBERNETES, 'overlays', 'cpu')),
  gpu: () => renderKustomization(path.join(KUBERNETES, 'overlays', 'gpu')),
  trial: () => renderKustomization(path.join(KUBERNETES, 'overlays', 'trial')),
  'gpu + config-from-secret': () => renderOwnOverlay('namespace: scanselect\nresources: [../overlays/gpu]\ncomponents: [../components/config-from-secret]\n'),
};
const rendered = Object.fromEntries(Object.entries(RENDERINGS).map(([name, render]) => [name, render()]));
const all = Object.entries(rendered);

const find = (objects: KubernetesObject[], kind: string, name: string): Json => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found as Json;
};
const pods = (object: KubernetesObject): Json[] => podSpecs(object);
const containersOf = (spec: Json): Json[] => [...(spec.initContainers ?? []), ...spec.containers];
/** Containers running a ScanSelect image (the images manifests/docker builds). */
const scanselectContainers = (objects: KubernetesObject[]): Array<{ object: KubernetesObject; spec: Json; container: Json }> =>
  objects.flatMap((object) => pods(object).flatMap((spec) => containersOf(spec)
    .filter((c) => /(^|\/)scanselect(-gpu)?$/.test(splitImage(c.image).name))
    .map((container) => ({ object, spec, container }))));
const configOf = (objects: KubernetesObject[]): { file: Json; parsed: ServerConfig } => {
  const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('scanselect-config-')) as Json;
  const file = JSON.parse(map.data['config.json']);
  return { file, parsed: parseServerConfig(file, '/etc/scanselect') };
};

describe.each(all)('manifests/kubernetes (%s)', (_name, objects) => {
  it('is valid for the Kubernetes API: schema, and no field it does not know', () => {
    expect(validateSchema(objects)).toEqual([]);
    expect(findUnknownFields(objects)).toEqual([]);
  });

  it('puts every namespaced object in the scanselect namespace', () => {
    expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'scanselect').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(find(objects, 'Namespace', 'scanselect').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('carries a server configuration the server accepts, with no secret in it', () => {
    const { file, parsed } = configOf(objects);
    expect(parsed.dataDir).toBe('/var/lib/scanselect');
    expect(file.database?.url).toBeUndefined(); // DATABASE_URL comes from the Secret
    expect(Object.values(parsed.sources).filter((s) => s.kind === 'dicomweb' && s.headers !== undefined)).toEqual([]);
    expect(file.host).toBeUndefined(); // `--host 0.0.0.0` on the command line, not here
  });

  it('runs a real scanselect command in every ScanSelect container, on the mounted config and data directory', () => {
    const { parsed } = configOf(objects);
    const containers = scanselectContainers(objects);
    expect(containers.length).toBeGreaterThanOrEqual(3);
    for (const { object, spec, container } of containers) {
      const where = `${object.metadata.name}/${container.name}`;
      expect([where, commandLineProblems(program, container.args)]).toEqual([where, []]);
      expect([where, container.command]).toEqual([where, undefined]); // the image's ENTRYPOINT: node /app/bin/scanselect.js
      const { tag } = splitImage(container.image);
      expect([where, tag !== undefined && tag !== 'latest']).toEqual([where, true]);
      const jobs = container.args.indexOf('--jobs');
      if (container.args[0] === 'worker' && jobs >= 0) expect(container.args[jobs + 1].split(',').every((k: string) => (JOB_KINDS as readonly string[]).includes(k))).toBe(true);
      const mount = (dirName: string): Json | undefined => (container.volumeMounts ?? []).find((m: Json) => m.mountPath === dirName);
      const configArg = container.args.indexOf('--config');
      if (configArg >= 0) {
        const configMount = mount(path.dirname(container.args[configArg + 1]));
        expect([where, configMount?.readOnly]).toEqual([where, true]);
        expect(spec.volumes.find((v: Json) => v.name === configMount!.name)).toBeDefined();
        expect([where, mount(parsed.dataDir) !== undefined]).toEqual([where, true]);
      }
    }
  });

  it('hardens every pod and container and bounds their resources', () => {
    for (const object of objects) {
      for (const spec of pods(object)) {
        expect([object.metadata.name, spec.automountServiceAccountToken]).toEqual([object.metadata.name, false]);
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
        const volumes = new Set((spec.volumes ?? []).map((v: Json) => v.name));
        for (const claim of (object.spec as Json).volumeClaimTemplates ?? []) volumes.add(claim.metadata.name);
        for (const container of containersOf(spec)) {
          const where = `${object.metadata.name}/${container.name}`;
          expect([where, container.securityContext]).toEqual([where, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }]);
          expect([where, container.resources?.requests?.memory !== undefined && container.resources?.limits?.memory !== undefined]).toEqual([where, true]);
          for (const mount of container.volumeMounts ?? []) expect([where, volumes.has(mount.name)]).toEqual([where, true]);
        }
      }
    }
  });

  it('refers to ConfigMaps that exist, and to Secrets that docs/deploy.md says how to create', () => {
    const deployDoc = readFileSync(path.join(__dirname, '..', 'docs', 'deploy.md'), 'utf8');
    const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
    const secrets = new Set<string>();
    for (const object of objects) {
      for (const spec of pods(object)) {
        for (const volume of spec.volumes ?? []) {
          if (volume.configMap) expect(configMaps.has(volume.configMap.name)).toBe(true);
          if (volume.secret) secrets.add(volume.secret.secretName);
        }
        for (const container of containersOf(spec)) for (const env of container.env ?? []) if (env.valueFrom?.secretKeyRef) secrets.add(env.valueFrom.secretKeyRef.name);
      }
      for (const tls of (object.kind === 'Ingress' ? (object.spec as Json).tls : []) ?? []) secrets.add(tls.secretName);
    }
    for (const secret of secrets) expect([secret, new RegExp(`create secret [a-z]+ ${secret}\\b`).test(deployDoc)]).toEqual([secret, true]);
  });

  it('serves two replicas behind a PodDisruptionBudget, probed on /api/health, after the migration', () => {
    const serve = find(objects, 'Deployment', 'scanselect-serve');
    const labels = serve.spec.template.metadata.labels;
    expect(serve.spec.replicas).toBe(2);
    const pod = serve.spec.template.spec;
    expect(pod.initContainers.map((c: Json) => c.args[0])).toEqual(['migrate']);
    const container = pod.containers[0];
    expect(container.args).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0']));
    expect(container.args.slice(container.args.indexOf('--jobs'), container.args.indexOf('--jobs') + 2)).toEqual(['--jobs', 'external']);
    const port = container.ports.find((p: Json) => p.name === 'http');
    expect(container.env.find((e: Json) => e.name === 'PORT').value).toBe(String(port.containerPort));
    expect(container.env.find((e: Json) => e.name === 'SCANSELECT_ADMIN_TOKEN').valueFrom.secretKeyRef).toBeDefined();
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].httpGet).toEqual({ path: '/api/health', port: 'http' });
    // The probe's route exists and needs no token.
    expect((openApiDocument('test') as Json).paths['/api/health'].get.security).toEqual([]);
    const pdb = find(objects, 'PodDisruptionBudget', 'scanselect-serve');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: labels } });
    const service = find(objects, 'Service', 'scanselect');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
  });

  it('exposes serve through an Ingress with TLS for the host of publicUrl, taking uploads of uploadLimitMb', () => {
    const { parsed } = configOf(objects);
    const ingress = find(objects, 'Ingress', 'scanselect');
    const host = ingress.spec.rules[0].host;
    expect(ingress.spec.tls[0].hosts).toContain(host);
    expect(parsed.publicUrl).toBe(`https://${host}`);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'scanselect', port: { name: 'http' } });
    expect(parseInt(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], 10)).toBeGreaterThanOrEqual(parsed.uploadLimitMb);
  });

  it('lets only the ingress controller reach serve, nothing reach the workers, and the workers reach PostgreSQL and the PACS', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as Json[];
    const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const selecting = (labels: Json): Json[] => policies.filter((p) => Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
      && (p.spec.podSelector.matchExpressions ?? []).every((e: Json) => e.operator === 'In' && e.values.includes(labels[e.key])));
    const serveLabels = find(objects, 'Deployment', 'scanselect-serve').spec.template.metadata.labels;
    const serveIngress = selecting(serveLabels).flatMap((p) => p.spec.ingress ?? []);
    expect(serveIngress).toHaveLength(1);
    expect(serveIngress[0].from).toEqual([expect.objectContaining({ namespaceSelector: expect.any(Object) })]);
    expect(serveIngress[0].ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
    for (const worker of objects.filter((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('scanselect-worker')) as Json[]) {
      const mine = selecting(worker.spec.template.metadata.labels);
      expect(mine.flatMap((p) => p.spec.ingress ?? [])).toEqual([]);
      const egressPorts = mine.flatMap((p) => (p.spec.egress ?? []).flatMap((e: Json) => (e.ports ?? []).map((port: Json) => port.port)));
      expect(egressPorts).toEqual(expect.arrayContaining([53, 5432, 443]));
    }
  });
});

describe('the overlays differ where they should', () => {
  const gpuLimit = (objects: KubernetesObject[]): string[] => objects.flatMap((o) => pods(o).flatMap((s) => containersOf(s).filter((c) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined).map((c) => `${o.metadata.name}/${c.name}`)));

  it('cpu: one worker for every kind of job, no GPU', () => {
    const worker = find(rendered.cpu!, 'Deployment', 'scanselect-worker').spec.template.spec.containers[0];
    expect(worker.args).not.toContain('--jobs');
    expect(gpuLimit(rendered.cpu!)).toEqual([]);
  });

  it('gpu: rounds on a GPU worker that checks its GPU first; syncs, deliveries and schedules on the CPU worker', () => {
    const objects = rendered.gpu!;
    expect(find(objects, 'Deployment', 'scanselect-worker').spec.template.spec.containers[0].args.slice(-2)).toEqual(['--jobs', 'sync']);
    const gpu = find(objects, 'Deployment', 'scanselect-worker-gpu').spec.template.spec;
    expect(gpuLimit(objects)).toEqual(['scanselect-worker-gpu/gpu-check', 'scanselect-worker-gpu/worker']);
    expect(gpu.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(gpu.containers[0].args).toEqual(expect.arrayContaining(['--jobs', 'round,train-encoder', '--no-outbox', '--no-schedule']));
    expect(gpu.initContainers[0].args).toEqual(['doctor', '--backend', 'tensorflow', '--require-gpu']);
    expect(splitImage(gpu.containers[0].image).name).toMatch(/scanselect-gpu$/);
    expect(Object.keys(gpu.nodeSelector)).toHaveLength(1);
    expect(gpu.tolerations).toEqual([expect.objectContaining({ key: 'nvidia.com/gpu' })]);
  });

  it('trial: a single PostgreSQL instance that only serve and the workers reach', () => {
    const objects = rendered.trial!;
    expect(find(objects, 'StatefulSet', 'scanselect-postgres').spec.replicas).toBe(1);
    expect(find(objects, 'NetworkPolicy', 'scanselect-postgres').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
    expect(find(objects, 'Service', 'scanselect-postgres').spec.ports[0].port).toBe(5432);
  });

  it('config-from-secret: every ScanSelect Deployment mounts the configuration from the Secret', () => {
    const objects = rendered['gpu + config-from-secret']!;
    const deployments = objects.filter((o) => o.kind === 'Deployment') as Json[];
    expect(deployments.map((d) => d.spec.template.spec.volumes.find((v: Json) => v.name === 'config'))).toEqual(deployments.map(() => ({ name: 'config', secret: { secretName: 'scanselect-config-with-credentials' } })));
  });
});
