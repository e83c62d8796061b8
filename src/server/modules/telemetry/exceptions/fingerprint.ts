import { createHash } from 'node:crypto';

/** One frame of a stack trace, normalised: where in the code, without line numbers. */
export interface Frame {
  fn: string;
  file: string;
  inApp: boolean;
}

/** Files that are not the service's own code (runtimes, dependencies). */
const NOT_IN_APP = [/node_modules\//, /^node:/, /^internal\//, /(^|\/)site-packages\//, /(^|\/)dist-packages\//, /^\/usr\/(local\/)?lib\//, /(^|\/)go\/pkg\/mod\//, /^runtime\//];
const JAVA_NOT_IN_APP = /^(java\.base\/|java|javax|jdk|sun|com\.sun|kotlin|scala|org\.springframework|org\.apache|io\.netty)[./]/;

function basename(file: string): string {
  return file.replace(/^file:\/\//, '').replace(/[?#].*$/, '');
}

/**
 * Reads the frames of a stack trace in the common formats: JavaScript (`at fn (file:line:col)`),
 * Java/Kotlin (`at pkg.Class.method(File.java:12)`), Python (`File "x.py", line 3, in fn`), Go
 * (`pkg.fn(...)` then `\tfile.go:12 +0x1d`).
 */
export function parseFrames(stack: string): Frame[] {
  const frames: Frame[] = [];
  const lines = stack.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    let m = /^at (?:async )?(?:(.+?) \()?(.+?):\d+(?::\d+)?\)?$/.exec(line);
    if (m && !/\.java:|\.kt:|\.scala:/.test(line)) {
      const file = basename(m[2]!);
      frames.push({ fn: m[1] ?? '<anonymous>', file, inApp: !NOT_IN_APP.some((r) => r.test(file)) });
      continue;
    }
    m = /^at ([\w$.<>/]+)\(([^:)]+)(?::\d+)?\)$/.exec(line);
    if (m) {
      frames.push({ fn: m[1]!, file: m[2]!, inApp: !JAVA_NOT_IN_APP.test(m[1]!) });
      continue;
    }
    m = /^File "(.+?)", line \d+, in (.+)$/.exec(line);
    if (m) {
      const file = basename(m[1]!);
      frames.push({ fn: m[2]!, file, inApp: !NOT_IN_APP.some((r) => r.test(file)) });
      continue;
    }
    const next = lines[i + 1]?.trim() ?? '';
    m = /^([\w./*()-]+)\(.*\)$/.exec(line);
    const loc = /^(\S+\.go):\d+/.exec(next);
    if (m && loc) {
      frames.push({ fn: m[1]!, file: loc[1]!, inApp: !NOT_IN_APP.some((r) => r.test(loc[1]!)) && !m[1]!.startsWith('runtime.') });
      i++;
    }
  }
  return frames;
}

/** A message with what varies between occurrences masked: ids, hex, numbers, quoted values. */
export function maskMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/"[^"]*"|'[^']*'/g, '<str>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .slice(0, 300);
}

/** Frames of the service's own code that make a group (the top ones; outer frames vary less usefully). */
const FINGERPRINT_FRAMES = 5;

/** How an occurrence was grouped: by in-app frames, by the masked message, or by a team's fingerprint rule. */
export type GroupingBasis = 'frames' | 'message' | 'rule';

const hash = (parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

/**
 * The fingerprint of an exception: its type and its in-app frames (function and file, no line
 * numbers, so a deploy that moves code keeps the group), else its type and masked message.
 */
export function fingerprint(service: string, type: string, message: string, stack: string): { fingerprint: string; basis: 'frames' | 'message' } {
  return fingerprintOfFrames(service, type, message, parseFrames(stack));
}

/** {@link fingerprint} of frames already parsed. */
export function fingerprintOfFrames(service: string, type: string, message: string, parsed: Frame[]): { fingerprint: string; basis: 'frames' | 'message' } {
  const frames = parsed.filter((f) => f.inApp).slice(0, FINGERPRINT_FRAMES);
  const basis = frames.length ? 'frames' : 'message';
  const material = basis === 'frames' ? frames.map((f) => `${f.fn}@${f.file}`).join('|') : maskMessage(message);
  return { fingerprint: hash([service, type, basis, material]), basis };
}

/** The fingerprint of a fingerprint rule's group: the service and the group's name, nothing of the exception. */
export function ruleFingerprint(service: string, group: string): string {
  return hash([service, 'rule', group]);
}
