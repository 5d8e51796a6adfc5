import { RvoipError } from '@rvoip/contracts';

export type DialogErrorCode =
  /** The message cannot create or belong to a dialog (missing tag, Contact, wrong status). */
  | 'RVOIP_ERR_DIALOG_BAD_MESSAGE'
  /** A request was built on a dialog that has ended. */
  | 'RVOIP_ERR_DIALOG_TERMINATED'
  /** A method that has no place inside a dialog (CANCEL, REGISTER) was asked for. */
  | 'RVOIP_ERR_DIALOG_METHOD';

export class DialogError extends RvoipError {
  declare readonly code: DialogErrorCode;

  constructor(code: DialogErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
