import { FrameError, FrameTooLargeError } from '../../errors';

/**
 * A command line or literal over the codec's limits (`TORSION_ERR_FRAME_TOO_LARGE`), refused
 * before it is buffered. The command is dropped and the stream goes on: the server answers
 * `tag BAD` (`tag` is the command's, when it could be read).
 */
export class ImapTooLargeError extends FrameTooLargeError {
  constructor(
    /** The command's tag, undefined when the line did not start with one. */
    readonly tag: string | undefined,
    length: number,
    maxLength: number,
    detail: string,
  ) {
    super(length, maxLength, detail);
  }
}

/** A command that breaks IMAP's grammar (`TORSION_ERR_FRAME`); the stream goes on. */
export class ImapSyntaxError extends FrameError {
  constructor(
    /** The command's tag, undefined when the line did not start with one. */
    readonly tag: string | undefined,
    message: string,
  ) {
    super(message);
  }
}
