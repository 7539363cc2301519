// The FIT rules in TypeScript: instruments, rating validation, the rule set and the assessment of a course.
export * from "./instrument";
export * from "./validation";
export * from "./rating";
export * from "./rules";
export * from "./assess";
export * from "./forms";
