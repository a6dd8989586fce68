// Fix texts shared by the tables: the sentence each kind of input check
// ends its error with.
export const DURATION = /Use a duration/
export const WHOLE_NUMBER = /Use a whole number/
export const BOOLEAN = /Use true or false/
export const ONE_OF = /Use one of: /
export const INSIDE_WORKSPACE = /Use a path inside the workspace/
export const LONGER_THAN = /Lower '[a-z-]+' or raise '[a-z-]+'/
export const REGION = /Use an AWS region name such as us-east-1/
export const RUN_ID = /Use the workflow run id/
export const EXPRESSION = /set the value explicitly/
export const ZONE = /Add a zone/
export const EPOCH_SECONDS = /Use epoch seconds/
export const BUCKET = /Use a bucket name of 3 to 63/
export const MAP_LINES = /Write each line as 'key: value' or key=value/

/** Text of `length` characters, for oversize values. */
export function oversize(length: number, unit = 'a'): string {
  return unit.repeat(length)
}
