import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import { SubjectExportStatus } from '../entities/data-subject-export.entity';

registerEnumType(SubjectExportStatus, { name: 'DataSubjectExportStatus' });

@ObjectType('DataSubjectExport', {
  description:
    'The access / portability export of a request: a zip (export.json, a CSV per section, README.txt) encrypted under the subject’s key',
})
export class DataSubjectExportDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) requestId!: string;
  @Field(() => ID) customerId!: string;
  @Field({ description: 'json+csv' }) format!: string;
  @Field(() => SubjectExportStatus) status!: SubjectExportStatus;
  @Field(() => Int) sectionsTotal!: number;
  @Field(() => Int) sectionsDone!: number;
  @Field(() => Int, { description: 'Rows gathered so far, every section together' })
  rowsDone!: number;
  @Field(() => Int, { description: 'Sections done out of all, 0-100 (100 once ready)' })
  percent!: number;
  @Field(() => Int, { nullable: true, description: 'Size of the archive once ready' })
  bytes!: number | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the archive, hex' })
  sha256!: string | null;
  @Field(() => Int) downloads!: number;
  @Field(() => String, { nullable: true, description: 'Why the build failed: a stable code' })
  errorCode!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) readyAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the archive is dropped' })
  expiresAt!: Date | null;
}

@ObjectType('DataSubjectExportLink', {
  description:
    'A one-time download link: the URL is the credential; it works once, until expiresAt',
})
export class DataSubjectExportLinkDTO {
  @Field() url!: string;
  @Field() expiresAt!: Date;
}

@InputType()
export class StartDataSubjectExportInput {
  @Field(() => ID, { description: 'An access or portability request in progress' })
  @IsUUID()
  requestId!: string;
}

@InputType()
export class IssueDataSubjectExportLinkInput {
  @Field(() => ID) @IsUUID() exportId!: string;
}
