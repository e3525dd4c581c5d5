// A lab stack: load and validate the config, build the lab, export its outputs.
import { labStack } from "./stack";

export = labStack();
