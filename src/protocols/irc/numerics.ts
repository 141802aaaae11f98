/**
 * The numeric replies this package sends or reacts to (RFC 1459 / 2812 names, modern ones for
 * 005 and 417), as the three-digit strings that appear on the wire.
 */
/** 001: Welcome: the first reply once registered. */
export const RPL_WELCOME = '001';
/** 002: The server and its version. */
export const RPL_YOURHOST = '002';
/** 003: When the server started. */
export const RPL_CREATED = '003';
/** 004: Server name, version, user and channel modes. */
export const RPL_MYINFO = '004';
/** 005: ISUPPORT tokens (CASEMAPPING, PREFIX, NICKLEN...). */
export const RPL_ISUPPORT = '005';
/** 221: The client's user modes. */
export const RPL_UMODEIS = '221';
/** 301: The target nick is away (with its message). */
export const RPL_AWAY = '301';
/** 305: No longer away. */
export const RPL_UNAWAY = '305';
/** 306: Now marked away. */
export const RPL_NOWAWAY = '306';
/** 311: WHOIS: nick, user, host, real name. */
export const RPL_WHOISUSER = '311';
/** 312: WHOIS: the server the nick is on. */
export const RPL_WHOISSERVER = '312';
/** 315: End of a WHO list. */
export const RPL_ENDOFWHO = '315';
/** 318: End of a WHOIS reply. */
export const RPL_ENDOFWHOIS = '318';
/** 319: WHOIS: the channels the nick is on. */
export const RPL_WHOISCHANNELS = '319';
/** 321: LIST: the header. */
export const RPL_LISTSTART = '321';
/** 322: LIST: one channel, its user count and topic. */
export const RPL_LIST = '322';
/** 323: End of a LIST. */
export const RPL_LISTEND = '323';
/** 324: A channel's modes. */
export const RPL_CHANNELMODEIS = '324';
/** 329: A channel's creation time. */
export const RPL_CREATIONTIME = '329';
/** 331: The channel has no topic. */
export const RPL_NOTOPIC = '331';
/** 332: The channel's topic. */
export const RPL_TOPIC = '332';
/** 333: Who set the topic, and when. */
export const RPL_TOPICWHOTIME = '333';
/** 352: WHO: one user. */
export const RPL_WHOREPLY = '352';
/** 353: NAMES: members of a channel. */
export const RPL_NAMREPLY = '353';
/** 366: End of a NAMES list. */
export const RPL_ENDOFNAMES = '366';
/** 368: End of the (empty) ban list. */
export const RPL_ENDOFBANLIST = '368';
/** 372: One line of the message of the day. */
export const RPL_MOTD = '372';
/** 375: Start of the message of the day. */
export const RPL_MOTDSTART = '375';
/** 376: End of the message of the day. */
export const RPL_ENDOFMOTD = '376';
/** 401: No such nick (or channel, for messages). */
export const ERR_NOSUCHNICK = '401';
/** 403: No such channel, or an invalid channel name. */
export const ERR_NOSUCHCHANNEL = '403';
/** 404: Cannot send to the channel (+n and not a member). */
export const ERR_CANNOTSENDTOCHAN = '404';
/** 405: The client is on its maximum of channels. */
export const ERR_TOOMANYCHANNELS = '405';
/** 409: PING without a token. */
export const ERR_NOORIGIN = '409';
/** 411: PRIVMSG without a target. */
export const ERR_NORECIPIENT = '411';
/** 412: PRIVMSG without text. */
export const ERR_NOTEXTTOSEND = '412';
/** 417: The line received was too long (dropped). */
export const ERR_INPUTTOOLONG = '417';
/** 421: Unknown command. */
export const ERR_UNKNOWNCOMMAND = '421';
/** 422: No message of the day. */
export const ERR_NOMOTD = '422';
/** 431: NICK without a nick. */
export const ERR_NONICKNAMEGIVEN = '431';
/** 432: Not a valid nick. */
export const ERR_ERRONEUSNICKNAME = '432';
/** 433: The nick is taken. */
export const ERR_NICKNAMEINUSE = '433';
/** 441: The target is not on that channel. */
export const ERR_USERNOTINCHANNEL = '441';
/** 442: The client is not on that channel. */
export const ERR_NOTONCHANNEL = '442';
/** 451: A command that needs registration, before it. */
export const ERR_NOTREGISTERED = '451';
/** 461: Not enough parameters. */
export const ERR_NEEDMOREPARAMS = '461';
/** 462: PASS or USER after registration. */
export const ERR_ALREADYREGISTERED = '462';
/** 464: Wrong or missing server password. */
export const ERR_PASSWDMISMATCH = '464';
/** 472: An unknown channel mode. */
export const ERR_UNKNOWNMODE = '472';
/** 482: Channel operator status needed. */
export const ERR_CHANOPRIVSNEEDED = '482';
/** 501: An unknown user mode. */
export const ERR_UMODEUNKNOWNFLAG = '501';
/** 502: Another user's modes cannot be changed. */
export const ERR_USERSDONTMATCH = '502';
