/**
 * A real Orthanc PACS for tests: Debian's `Orthanc` binary with the DICOMweb plugin, started as a
 * foreground child process with its own JSON config, a temporary storage folder and a free port
 * on 127.0.0.1. It can be stopped and started again on the same port and storage (a PACS outage
 * in the middle of a test). The `orthanc-gdcm` plugin is never loaded (it crashed Orthanc here).
 *
 * Install: `apt-get install -y orthanc orthanc-dicomweb` (done by `.ci/run`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Whether this machine has Orthanc and its DICOMweb plugin (tests say why they skip otherwise). */
export function orthancAvailable(): boolean {
  return existsSync(ORTHANC_BINARY) && existsSync(DICOMWEB_PLUGIN);
}

/** A free TCP port on 127.0.0.1 (asked from the kernel). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A running (or stopped) Orthanc of a test. */
export class OrthancProcess {
  private child: ChildProcess | null = null;
  private log = '';

  private constructor(readonly dir: string, readonly port: number) {}

  /** Base URL of the REST API. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Base URL of DICOMweb (QIDO-RS, WADO-RS, STOW-RS). */
  get dicomWebUrl(): string {
    return `${this.url}/dicom-web`;
  }

  /** Orthanc's own output so far (for failure messages). */
  get output(): string {
    return this.log;
  }

  /** Creates the config and storage in a fresh temporary folder and starts Orthanc. */
  static async start(): Promise<OrthancProcess> {
    if (!orthancAvailable()) throw new Error(`Orthanc is not installed (${ORTHANC_BINARY}, ${DICOMWEB_PLUGIN}): apt-get install -y orthanc orthanc-dicomweb`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-orthanc-'));
    const orthanc = new OrthancProcess(dir, await freePort());
    mkdirSync(path.join(dir, 'storage'));
    writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify({
      Name: 'ScanSelectTest',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'storage'),
      HttpPort: orthanc.port,
      RemoteAccessAllowed: false, // loopback only
      AuthenticationEnabled: false,
      DicomServerEnabled: false, // DICOMweb only: no DIMSE port to collide with
      Plugins: [DICOMWEB_PLUGIN],
      DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
      StableAge: 1,
      ConcurrentJobs: 1,
      UserMetadata: { ScanSelect: 1024 }, // the worklist metadata ScanSelect sets per study
    }, null, 2));
    await orthanc.resume();
    return orthanc;
  }

  /** Starts Orthanc again on the same port and storage, and waits until it answers. */
  async resume(): Promise<void> {
    if (this.child) return;
    const child = spawn(ORTHANC_BINARY, [path.join(this.dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const append = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!this.child) throw new Error(`Orthanc exited while starting:\n${this.log}`);
      try {
        const response = await fetch(`${this.url}/system`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`Orthanc did not answer on ${this.url} within 30 s:\n${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops Orthanc (SIGTERM, then SIGKILL after 10 s); the storage stays for `resume`. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Stops Orthanc and deletes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
