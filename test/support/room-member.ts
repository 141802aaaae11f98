import { Connection, Groups, OnConnect, OnData, Protocol, lines } from 'torsion';

/** A line protocol whose every connection joins group 'room' and says each line to the others: the groups tests' member. */
@Protocol({ codec: lines() })
export class RoomMember {
  constructor(
    private readonly groups: Groups,
    private readonly conn: Connection,
  ) {}
  @OnConnect() joined(): void {
    this.groups.group('room').add(this.conn);
  }
  @OnData() said(line: string): void {
    this.groups.group('room').broadcast(line, { except: this.conn });
  }
}
