/** Where commands write: stdout for results (one JSON object a line with --json), stderr for notices. */
export interface Out {
  line(text: string): void;
  json(value: unknown): void;
  notice(text: string): void;
}

export const stdio: Out = {
  line: (t) => void process.stdout.write(t + "\n"),
  json: (v) => void process.stdout.write(JSON.stringify(v) + "\n"),
  notice: (t) => void process.stderr.write(t + "\n"),
};
