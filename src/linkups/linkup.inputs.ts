import { Field, ID, InputType, Int } from 'type-graphql';
import { Entry } from './entry.entity';
import { EntryModeration, LinkUp, Weekday } from './linkup.entity';
import { Roundup } from './roundup.entity';

/** Input fields keep their entity's types (so they cannot drift) but may also be null. */
type InputOf<T> = { [K in keyof T]?: T[K] | null };

/** What the link-up inputs' fields say, in creation and in edits alike. */
const LINK_UP = {
  name: 'At most 200 characters.',
  text: 'Plain text, at most 5,000 characters.',
  weekday: 'The weekday editions open, in timeZone.',
  opensAtTime: 'Local opening time, HH:MM (24-hour) in timeZone.',
  hoursOpen: 'How long an edition stays open: 1 to 168 elapsed hours.',
  timeZone: 'An IANA time zone name, such as America/New_York (not a fixed offset).',
  maxEntriesPerPerson: 'Entries per person (by email) per roundup, 1 to 1,000; null for no cap.',
};

@InputType({ description: 'A new link-up (admins only).' })
export class CreateLinkUpInput implements InputOf<LinkUp> {
  @Field({ description: LINK_UP.name })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Made from the name when not given.' })
  slug?: string | null;

  @Field(() => String, { nullable: true, description: LINK_UP.text })
  description?: string | null;

  @Field(() => String, { nullable: true, description: LINK_UP.text })
  rules?: string | null;

  @Field(() => Weekday, { description: LINK_UP.weekday })
  weekday!: Weekday;

  @Field({ description: LINK_UP.opensAtTime })
  opensAtTime!: string;

  @Field(() => Int, { description: LINK_UP.hoursOpen })
  hoursOpen!: number;

  @Field({ description: LINK_UP.timeZone })
  timeZone!: string;

  @Field(() => Int, { nullable: true, description: LINK_UP.maxEntriesPerPerson })
  maxEntriesPerPerson?: number | null;

  @Field(() => [ID], {
    description: 'Global ids of the first co-hosts (1 to 20), in display order.',
  })
  cohostIds!: string[];

  @Field(() => EntryModeration, { nullable: true, description: 'Default: OPEN.' })
  entryModeration?: EntryModeration | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'New entries wait until their page links back to the link-up. Default: false.',
  })
  requireLinkBack?: boolean | null;
}

@InputType({
  description:
    'Omitted fields stay as they are; null clears description, rules and maxEntriesPerPerson.',
})
export class UpdateLinkUpInput implements InputOf<LinkUp> {
  @Field(() => String, { nullable: true, description: LINK_UP.name })
  name?: string | null;

  @Field(() => String, { nullable: true, description: LINK_UP.text })
  description?: string | null;

  @Field(() => String, { nullable: true, description: LINK_UP.text })
  rules?: string | null;

  @Field(() => Weekday, { nullable: true, description: LINK_UP.weekday })
  weekday?: Weekday | null;

  @Field(() => String, { nullable: true, description: LINK_UP.opensAtTime })
  opensAtTime?: string | null;

  @Field(() => Int, { nullable: true, description: LINK_UP.hoursOpen })
  hoursOpen?: number | null;

  @Field(() => String, { nullable: true, description: LINK_UP.timeZone })
  timeZone?: string | null;

  @Field(() => Int, { nullable: true, description: LINK_UP.maxEntriesPerPerson })
  maxEntriesPerPerson?: number | null;

  @Field(() => EntryModeration, {
    nullable: true,
    description: 'Applies to entries submitted afterwards; entries already in keep their status.',
  })
  entryModeration?: EntryModeration | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Applies to entries submitted (or moved to a new URL) afterwards.',
  })
  requireLinkBack?: boolean | null;
}

@InputType({ description: "A link-up's next edition: it gets the next number." })
export class ScheduleRoundupInput implements InputOf<Roundup> {
  @Field(() => ID, { description: "The link-up's global id." })
  linkUpId!: string;

  @Field(() => String, { nullable: true, description: 'At most 200 characters.' })
  title?: string | null;

  @Field(() => Date, {
    nullable: true,
    description:
      "Default: the link-up's next weekday and local time after now and after the previous edition's opening.",
  })
  opensAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Default: opensAt + the link-up’s hoursOpen.' })
  closesAt?: Date | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Closes the edition once this many entries are visible (1 to 10,000). Default: none.',
  })
  maxEntries?: number | null;
}

@InputType({
  description: 'Omitted fields stay as they are; a null title or maxEntries clears it.',
})
export class UpdateRoundupInput implements InputOf<Roundup> {
  @Field(() => String, { nullable: true, description: 'At most 200 characters.' })
  title?: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Without closesAt, closesAt moves with it: the edition keeps its length.',
  })
  opensAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'A new closing time, after opensAt.' })
  closesAt?: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Closes the edition once this many entries are visible (1 to 10,000).',
  })
  maxEntries?: number | null;
}

@InputType({ description: 'A link to a post, for an OPEN roundup.' })
export class SubmitEntryInput implements InputOf<Entry> {
  @Field(() => ID, { description: "The roundup's global id." })
  roundupId!: string;

  @Field({ description: 'At most 200 characters.' })
  title!: string;

  @Field({ description: 'An http(s) URL, at most 2,000 characters.' })
  url!: string;

  @Field({ description: "The submitter's name, at most 245 characters." })
  name!: string;

  @Field({ description: 'Private: seen by the co-hosts and admins only. At most 100 characters.' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'At most 245 characters.' })
  blogName?: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 2,000 characters.' })
  imageUrl?: string | null;
}

@InputType({
  description:
    'Omitted fields stay as they are; null or blank clears blogName and imageUrl. The checks of submitEntry apply.',
})
export class UpdateEntryInput implements InputOf<Entry> {
  @Field(() => String, { nullable: true, description: 'At most 200 characters.' })
  title?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'An http(s) URL, at most 2,000 characters, not already in the roundup.',
  })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 245 characters.' })
  blogName?: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 2,000 characters.' })
  imageUrl?: string | null;
}
