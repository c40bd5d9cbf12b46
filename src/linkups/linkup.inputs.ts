import { Field, ID, InputType, Int } from 'type-graphql';
import { Entry } from './entry.entity';
import { EntryModeration, LinkUp, Weekday } from './linkup.entity';
import { Roundup } from './roundup.entity';

/** Input fields keep their entity's types (so they cannot drift) but may also be null. */
type InputOf<T> = { [K in keyof T]?: T[K] | null };

@InputType()
export class CreateLinkUpInput implements InputOf<LinkUp> {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Made from the name when not given.' })
  slug?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  rules?: string | null;

  @Field(() => Weekday)
  weekday!: Weekday;

  @Field({ description: 'Local opening time, HH:MM (24-hour) in timeZone.' })
  opensAtTime!: string;

  @Field(() => Int, { description: '1 to 168 elapsed hours.' })
  hoursOpen!: number;

  @Field({ description: 'An IANA time zone name, such as America/New_York.' })
  timeZone!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Entries per person (by email) per roundup; null for no cap.',
  })
  maxEntriesPerPerson?: number | null;

  @Field(() => [ID], { description: 'Host ids of the first co-hosts, in display order.' })
  cohostIds!: string[];

  @Field(() => EntryModeration, { nullable: true, description: 'Default: OPEN.' })
  entryModeration?: EntryModeration | null;
}

@InputType({
  description:
    'Omitted fields stay as they are; null clears description, rules and maxEntriesPerPerson.',
})
export class UpdateLinkUpInput implements InputOf<LinkUp> {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  rules?: string | null;

  @Field(() => Weekday, { nullable: true })
  weekday?: Weekday | null;

  @Field(() => String, { nullable: true })
  opensAtTime?: string | null;

  @Field(() => Int, { nullable: true })
  hoursOpen?: number | null;

  @Field(() => String, { nullable: true })
  timeZone?: string | null;

  @Field(() => Int, { nullable: true })
  maxEntriesPerPerson?: number | null;

  @Field(() => EntryModeration, {
    nullable: true,
    description: 'Applies to entries submitted afterwards; entries already in keep their status.',
  })
  entryModeration?: EntryModeration | null;
}

@InputType()
export class ScheduleRoundupInput implements InputOf<Roundup> {
  @Field(() => ID)
  linkUpId!: string;

  @Field(() => String, { nullable: true })
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
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Without closesAt, closesAt moves with it: the edition keeps its length.',
  })
  opensAt?: Date | null;

  @Field(() => Date, { nullable: true })
  closesAt?: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Closes the edition once this many entries are visible (1 to 10,000).',
  })
  maxEntries?: number | null;
}

@InputType()
export class SubmitEntryInput implements InputOf<Entry> {
  @Field(() => ID)
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
