import ESFCore
