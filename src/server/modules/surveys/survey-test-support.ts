import { createTestContext, type TestContext } from '../../test-support.ts';

/** A sent email, as the surveys' tests read invitation links from it. */
export interface SentMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * A test application whose emails and log lines the surveys' tests read: the emails carry the
 * personal codes; the log must never mention an answer.
 */
export async function createSurveyTestContext(dbKind: 'sqlite' | 'postgres'): Promise<{ t: TestContext & { admin: string }; mails: SentMail[]; logLines: string[] }> {
  const mails: SentMail[] = [];
  const logLines: string[] = [];
  const t = await createTestContext(dbKind, {
    mail: async (m) => void mails.push(m),
    baseUrl: 'https://ethos.example',
    logger: { level: 'info', stream: { write: (line: string) => void logLines.push(line) } },
  });
  return { t, mails, logLines };
}
