/** Waits between tries of a failed attempt write: about 16 s in all, longer than a database failover. */
const RECORD_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000, 8000];

/**
 * Writes an attempt until it is stored, or the delays are used up (then the error is thrown): a
 * request that left the hub must get its attempt row even when Postgres is briefly away. Safe to
 * repeat because `writeAttempts` is idempotent per attempt id, and the lease fence decides the
 * delivery's state however late the write lands.
 */
export async function retryRecording<T>(
  write: () => Promise<T>,
  onRetry: (error: unknown, attempt: number) => void,
  delaysMs: readonly number[] = RECORD_RETRY_DELAYS_MS,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const delayMs = delaysMs[attempt];
      if (delayMs === undefined) throw error;
      onRetry(error, attempt + 1);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
