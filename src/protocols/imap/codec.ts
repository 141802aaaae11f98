import type { Codec, Decoder, OutputChunks } from '../../codec/codec';
import { checkKnownOptions, integerOption } from '../../codec/options';
import { ImapCommandDecoder, type ImapDecoderLimits } from './command-decoder';
import { encodeCommand } from './command-encoder';
import { encodeReply } from './response-encoder';
import type { ImapCommand, ImapDone, ImapReply, ImapRequest } from './types';

/** Limits of the IMAP codecs. */
export interface ImapCodecOptions {
  /** Bytes of command text per command, literals excluded. Default 64 KiB. */
  maxLength?: number;
  /** Bytes of literals per command (an APPENDed message). Default 32 MiB. */
  maxLiteralSize?: number;
}

const KNOWN = ['maxLength', 'maxLiteralSize'];

function limitsOf(name: string, options: ImapCodecOptions): ImapDecoderLimits {
  checkKnownOptions(name, options, KNOWN);
  return {
    maxLength: integerOption(name, 'maxLength', options.maxLength, 64 * 1024, 16),
    maxLiteralSize: integerOption(name, 'maxLiteralSize', options.maxLiteralSize, 32 * 1024 * 1024, 0),
  };
}

/** The server's codec: `imapServerCodec()`. */
class ImapServerCodec implements Codec<ImapRequest, ImapReply> {
  readonly name = 'imap';

  constructor(readonly limits: ImapDecoderLimits) {}

  createDecoder(): Decoder<ImapRequest> {
    return new ImapCommandDecoder(this.limits);
  }

  encode(value: ImapReply, out: OutputChunks): void {
    encodeReply(value, out);
  }
}

/** The command codec: `imapCommands()`. */
class ImapCommandCodec implements Codec<ImapRequest, ImapCommand | ImapDone> {
  readonly name = 'imap-commands';

  constructor(readonly limits: ImapDecoderLimits) {}

  createDecoder(): Decoder<ImapRequest> {
    return new ImapCommandDecoder(this.limits);
  }

  encode(value: ImapCommand | ImapDone, out: OutputChunks): void {
    encodeCommand(value, out, this.limits);
  }
}

/**
 * The IMAP server's codec: decodes commands (literals included; see `ImapRequest`) and writes
 * replies (`ImapReply`: text lines, or structured responses whose strings become quoted
 * strings or `{n}` literals, bytes exact).
 */
export function imapServerCodec(options: ImapCodecOptions = {}): Codec<ImapRequest, ImapReply> {
  return new ImapServerCodec(limitsOf('imapServerCodec', options));
}

/**
 * Commands both ways: the decoder of `imapServerCodec`, and an encoder that writes commands as
 * a client does (literals as LITERAL+ `{n+}`). What it writes decodes back to the same command,
 * which is how `checkCodec` property-tests the server's parser.
 */
export function imapCommands(options: ImapCodecOptions = {}): Codec<ImapRequest, ImapCommand | ImapDone> {
  return new ImapCommandCodec(limitsOf('imapCommands', options));
}
