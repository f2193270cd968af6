/** The recording telemetry lives with the ports (src/app/telemetry.ts); tests use that one. */
export {
  type LogLine,
  type RecordedMetric,
  type RecordingTelemetry,
  recordingTelemetry,
} from '../../../src/app/telemetry';
