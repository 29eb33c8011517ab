import { monotonicFactory } from 'ulid';
import type { Clock } from '../clock/clock.js';
import { FlysimError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import type { ReleaseStatus } from '../events/event-types.js';

/** One row of `fly releases`. */
export interface Release {
  readonly id: string;
  readonly app: string;
  /** 1, 2, 3... per app. */
  readonly version: number;
  readonly image: string;
  readonly strategy: string;
  /** `deploy`, or `secrets` for a restart-only deploy. */
  readonly reason: string;
  readonly status: ReleaseStatus;
  /** Platform time. */
  readonly createdAt: number;
  readonly error: string | undefined;
}

export interface NewRelease {
  readonly image: string;
  readonly strategy: string;
  readonly reason: string;
}

/** Statuses a release can move to from each status (reference §2.1 steps 5, 6 and 13). */
const NEXT: Readonly<Record<ReleaseStatus, readonly ReleaseStatus[]>> = {
  pending: ['running', 'failed', 'interrupted'],
  running: ['complete', 'failed', 'interrupted'],
  complete: [],
  failed: [],
  interrupted: [],
};

/** The backend's release records: every deploy attempt makes one, failed ones included. */
export class ReleaseStore {
  readonly #clock: Clock;
  readonly #events: EventLog;
  readonly #releases = new Map<string, Release[]>();
  readonly #newId = monotonicFactory();

  constructor(options: { clock: Clock; events: EventLog }) {
    this.#clock = options.clock;
    this.#events = options.events;
  }

  create(app: string, input: NewRelease): Release {
    const list = this.#list(app);
    const release: Release = Object.freeze({
      ...{ id: this.#newId(this.#clock.now()), app, version: list.length + 1 },
      ...{ image: input.image, strategy: input.strategy, reason: input.reason },
      ...{ status: 'pending' as const, createdAt: this.#clock.now(), error: undefined },
    });
    list.push(release);

    const { id: releaseId, version, image, strategy, reason } = release;
    this.#events.append({
      type: 'release.created',
      app,
      releaseId,
      version,
      image,
      strategy,
      reason,
    });
    return release;
  }

  /** Moves a release on; a move the table does not allow throws and changes nothing. */
  setStatus(app: string, version: number, to: ReleaseStatus, error?: string): Release {
    const list = this.#list(app);
    const index = list.findIndex((release) => release.version === version);
    const current = list[index];
    if (current === undefined) throw unknownRelease(app, version);
    if (current.status === to) return current;
    if (!NEXT[current.status].includes(to)) throw illegalMove(current, to);

    const next: Release = Object.freeze({ ...current, status: to, error });
    list[index] = next;
    this.#events.append({
      ...{ type: 'release.status_changed', app, releaseId: current.id, version },
      ...{ from: current.status, to, error },
    });
    return next;
  }

  /** Newest first, as `fly releases` lists them. */
  list(app: string): Release[] {
    return [...this.#list(app)].reverse();
  }

  /** The newest release that completed: what the app runs. */
  current(app: string): Release | undefined {
    return this.list(app).find((release) => release.status === 'complete');
  }

  #list(app: string): Release[] {
    let list = this.#releases.get(app);
    if (list === undefined) {
      list = [];
      this.#releases.set(app, list);
    }
    return list;
  }
}

function unknownRelease(app: string, version: number): FlysimError {
  return new FlysimError('FLYSIM_RELEASE_UNKNOWN', `App ${app} has no release v${version}`, {
    hint: 'create the release with ReleaseStore.create before changing its status',
  });
}

function illegalMove(release: Release, to: ReleaseStatus): FlysimError {
  return new FlysimError(
    'FLYSIM_RELEASE_ILLEGAL_STATUS',
    `Release v${release.version} of ${release.app} is \`${release.status}\`; expected one of ` +
      `${NEXT[release.status].join(', ') || 'nothing (it is final)'} next, got \`${to}\``,
  );
}
