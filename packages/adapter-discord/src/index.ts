export type {
  ActiveTask,
  RunwayCommand,
  RunwayCommandOptions,
} from './command.js';
export {
  createRunwayCommand,
  DEFAULT_EDIT_INTERVAL_MS,
  DEFAULT_INTERACTION_TOKEN_TTL_MS,
  DEFAULT_MAX_UPLOAD_BYTES,
} from './command.js';
export { DISCORD_COMMAND_LIMITS, subcommandName } from './command-data.js';
export type { DownloadOptions, DownloadResult } from './download.js';
export { downloadOutput, isPublicUrl } from './download.js';
export type { MessageEditorOptions } from './editor.js';
export { MessageEditor } from './editor.js';
export type { BindRunwayCommandOptions } from './gateway.js';
export { bindRunwayCommand } from './gateway.js';
export type { DiscordInteractionsHandlerOptions } from './http.js';
export { discordInteractionsHandler } from './http.js';
export type {
  AttachmentRef,
  AutocompleteInvocation,
  ButtonInvocation,
  ChatInputInvocation,
  InteractionUser,
  OptionValue,
  SentMessage,
} from './interaction.js';
export type { CommandLimits, LimitRefusal } from './limits.js';
export { describeRefusal, UsageLimiter } from './limits.js';
export type { MessageBody, MessageFile } from './message.js';
export { toRestPayload } from './message.js';
export type { RegisterCommandsOptions } from './register.js';
export { registerCommands } from './register.js';
export type { Delivery, JobPhase, JobView } from './render.js';
export { explainFailureCode, progressBar, renderJob } from './render.js';
export type { SignatureCheck, VerifyDiscordRequestOptions } from './signature.js';
export {
  DEFAULT_MAX_SIGNATURE_AGE_MS,
  discordPublicKey,
  verifyDiscordRequest,
} from './signature.js';
