// Piscina worker entry: one long-lived task per rank (see src/engine/rank-task.ts).
import { runRankTask, type RankTaskData } from '../src/engine/rank-task.js';

export default function rankWorker(data: RankTaskData) {
  return runRankTask(data);
}
